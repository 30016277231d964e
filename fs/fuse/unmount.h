/* unmount.h - take a FUSE mount away, as root or through fusermount3. */
#ifndef OSFS_UNMOUNT_H
#define OSFS_UNMOUNT_H

/* Detach the mount at `mountpoint` (lazily: what is open there stays
 * usable to its holders): umount2 when allowed, else `fusermount3 -u -z
 * -q`.  0, or -errno when neither worked. */
int osfs_unmount(const char *mountpoint);

#endif
