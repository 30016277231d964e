/* relay.h - a serving process's traffic with /dev/fuse, so that the next
 * generation can start past FUSE_INIT.
 *
 * The kernel sends FUSE_INIT once per mount.  Generation 1 keeps a copy of
 * the request in a memfd the supervisor made (supervisor.h).  A later
 * generation feeds that copy to its own session as its first request and
 * drops the session's answer (the kernel had generation 1's): the session
 * negotiates what generation 1 did.  Readers wait until that is done.  It
 * then asks the kernel to send again what the dead generation had read but
 * not answered (FUSE_NOTIFY_RESEND, Linux 6.9); an older kernel refuses,
 * and a caller of such a request waits until it is interrupted.  A request
 * that may change the cloud (a write, mkdir, rmdir, ...) is never done
 * twice.  Writes from offset 0 are noted in a journal after FUSE_INIT in
 * the same memfd, marked the moment an HTTP request other than GET leaves
 * for one (osfs_http_on_change); sent again, such a write whose note says
 * nothing left is served by the session.  Any other is answered ETIMEDOUT
 * by the relay, the errno of an answer that never came, and the session
 * never sees it.
 *
 * One relay per process: libfuse hands io callbacks the session's
 * userdata, which is the glue's, so the relay's state is this file's.
 */
#ifndef OSFS_RELAY_H
#define OSFS_RELAY_H

#include <fuse_lowlevel.h>
#include <stdbool.h>

/* Serve se through the relay on fuse_fd (mounted by this process, or
 * inherited when `inherited`), with the FUSE_INIT copy in init_fd.  Call
 * once, before the session loop.  0 or -errno. */
int osfs_relay_install(struct fuse_session *se, int fuse_fd, int init_fd, bool inherited);

#endif
