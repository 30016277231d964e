# Empty dependencies file for openstackfs.
# This may be replaced when dependencies are built.
