file(REMOVE_RECURSE
  "CMakeFiles/openstackfs.dir/fs/main.c.o"
  "CMakeFiles/openstackfs.dir/fs/main.c.o.d"
  "openstackfs"
  "openstackfs.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/openstackfs.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
