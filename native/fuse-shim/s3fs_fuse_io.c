/*
 * Device I/O hooks (fuse_session_custom_io), installed for one reason only: libfuse before 3.16.2 never tells
 * the kernel that the filesystem handles lookups and readdirs of one directory in parallel
 * (FUSE_PARALLEL_DIROPS; libfuse PR #861, made opt-in by #880), whatever the filesystem asks for in init. The
 * kernel then serialises all lookups in a directory behind one mutex, so one slow S3 request for a name stalls
 * every other name in that directory.
 *
 * The hooks pass every byte through unchanged, except that the INIT reply gets FUSE_PARALLEL_DIROPS when the
 * kernel offered it. Where libfuse already sends the flag, setting it again changes nothing. The read hook
 * only looks at the INIT request; neither hook touches errno on the paths libfuse inspects.
 */
#include <errno.h>
#include <linux/fuse.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "s3fs_fuse_internal.h"

/* Large enough for any fuse_init_out a libfuse version sends (64 bytes in protocol 7.36+). */
#define INIT_OUT_MAX 256

static ssize_t io_read(int fd, void *buf, size_t buf_len, void *userdata)
{
    ssize_t n = read(fd, buf, buf_len);
    struct s3fs_fuse_session *s = userdata;
    const size_t init_size = sizeof(struct fuse_in_header) + offsetof(struct fuse_init_in, flags) + sizeof(uint32_t);
    if (n >= (ssize_t)init_size) {
        const struct fuse_in_header *in = buf;
        if (in->opcode == FUSE_INIT) {
            const struct fuse_init_in *init = (const struct fuse_init_in *)(in + 1);
            __atomic_store_n(&s->kernel_parallel_dirops, (init->flags & FUSE_PARALLEL_DIROPS) != 0, __ATOMIC_RELAXED);
            __atomic_store_n(&s->init_unique, in->unique, __ATOMIC_RELEASE);
        }
    }
    return n;
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
    struct s3fs_fuse_session *s = userdata;
    uint64_t init_unique = __atomic_load_n(&s->init_unique, __ATOMIC_ACQUIRE);
    if (init_unique != 0 && count == 2 && iov[0].iov_len >= sizeof(struct fuse_out_header)) {
        const struct fuse_out_header *out = iov[0].iov_base;
        size_t init_len = iov[1].iov_len;
        if (out->unique == init_unique && out->error == 0
            && init_len >= offsetof(struct fuse_init_out, flags) + sizeof(uint32_t) && init_len <= INIT_OUT_MAX) {
            __atomic_store_n(&s->init_unique, 0, __ATOMIC_RELAXED);
            if (__atomic_load_n(&s->kernel_parallel_dirops, __ATOMIC_RELAXED)) {
                unsigned char patched[INIT_OUT_MAX];
                memcpy(patched, iov[1].iov_base, init_len);
                ((struct fuse_init_out *)patched)->flags |= FUSE_PARALLEL_DIROPS;
                struct iovec copy[2] = { iov[0], { .iov_base = patched, .iov_len = init_len } };
                return writev(fd, copy, 2);
            }
        }
    }
    return writev(fd, iov, count);
}

int s3fs_fuse_install_io_hooks(struct s3fs_fuse_session *s)
{
    struct fuse_custom_io io;
    memset(&io, 0, sizeof(io));
    io.read = io_read;
    io.writev = io_writev;
    return fuse_session_custom_io(s->se, &io, fuse_session_fd(s->se));
}
