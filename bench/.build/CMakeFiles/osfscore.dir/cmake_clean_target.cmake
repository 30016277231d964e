file(REMOVE_RECURSE
  "libosfscore.a"
)
