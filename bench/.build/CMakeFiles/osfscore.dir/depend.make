# Empty dependencies file for osfscore.
# This may be replaced when dependencies are built.
