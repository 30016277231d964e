
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/fs/api.c" "CMakeFiles/osfscore.dir/fs/api.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/api.c.o.d"
  "/work/main/fs/auth.c" "CMakeFiles/osfscore.dir/fs/auth.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/auth.c.o.d"
  "/work/main/fs/cache.c" "CMakeFiles/osfscore.dir/fs/cache.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/cache.c.o.d"
  "/work/main/fs/cloudsyaml.c" "CMakeFiles/osfscore.dir/fs/cloudsyaml.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/cloudsyaml.c.o.d"
  "/work/main/fs/config.c" "CMakeFiles/osfscore.dir/fs/config.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/config.c.o.d"
  "/work/main/fs/ctl.c" "CMakeFiles/osfscore.dir/fs/ctl.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/ctl.c.o.d"
  "/work/main/fs/drafts.c" "CMakeFiles/osfscore.dir/fs/drafts.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/drafts.c.o.d"
  "/work/main/fs/fsops.c" "CMakeFiles/osfscore.dir/fs/fsops.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/fsops.c.o.d"
  "/work/main/fs/http.c" "CMakeFiles/osfscore.dir/fs/http.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/http.c.o.d"
  "/work/main/fs/kinds.c" "CMakeFiles/osfscore.dir/fs/kinds.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/kinds.c.o.d"
  "/work/main/fs/log.c" "CMakeFiles/osfscore.dir/fs/log.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/log.c.o.d"
  "/work/main/fs/model.c" "CMakeFiles/osfscore.dir/fs/model.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/model.c.o.d"
  "/work/main/fs/names.c" "CMakeFiles/osfscore.dir/fs/names.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/names.c.o.d"
  "/work/main/fs/notes.c" "CMakeFiles/osfscore.dir/fs/notes.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/notes.c.o.d"
  "/work/main/fs/stats.c" "CMakeFiles/osfscore.dir/fs/stats.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/stats.c.o.d"
  "/work/main/fs/tree.c" "CMakeFiles/osfscore.dir/fs/tree.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/tree.c.o.d"
  "/work/main/fs/write.c" "CMakeFiles/osfscore.dir/fs/write.c.o" "gcc" "CMakeFiles/osfscore.dir/fs/write.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
