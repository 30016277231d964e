# CMake generated Testfile for 
# Source directory: /work/main/tests/unit
# Build directory: /work/main/bench/.build/tests/unit
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[test_config]=] "/work/main/bench/.build/tests/unit/test_config")
set_tests_properties([=[test_config]=] PROPERTIES  WORKING_DIRECTORY "/work/main/tests/unit" _BACKTRACE_TRIPLES "/work/main/tests/unit/CMakeLists.txt;7;add_test;/work/main/tests/unit/CMakeLists.txt;0;")
