/*
 * Replies and directory-buffer helpers: convert the plain s3fs_* structs into libfuse's (struct stat,
 * fuse_entry_param, the fuse_file_info bitfields, statvfs) and answer the request.
 *
 * Every reply first unregisters the request's interrupt callback. fuse_req_interrupt_func takes the
 * request's lock, which libfuse also holds while it runs an interrupt callback, so once this returns no
 * interrupt callback for req is running or can start: the managed side may forget the request afterwards.
 */
#include <string.h>

#include "s3fs_fuse_internal.h"

static void on_interrupt(fuse_req_t req, void *data)
{
    struct s3fs_fuse_session *s = data;
    if (s->interrupt != NULL)
        s->interrupt(s->user, req);
}

void s3fs_fuse_req_arm_interrupt(void *req)
{
    fuse_req_interrupt_func((fuse_req_t)req, on_interrupt, fuse_req_userdata((fuse_req_t)req));
}

static fuse_req_t disarm(void *req)
{
    fuse_req_interrupt_func((fuse_req_t)req, NULL, NULL);
    return (fuse_req_t)req;
}

static void to_stat(const s3fs_attr *a, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = a->ino;
    st->st_mode = a->mode;
    st->st_nlink = a->nlink;
    st->st_uid = a->uid;
    st->st_gid = a->gid;
    st->st_size = a->size;
    st->st_blocks = a->blocks;
    st->st_blksize = a->blksize;
    st->st_atim.tv_sec = a->atime_sec;
    st->st_atim.tv_nsec = a->atime_nsec;
    st->st_mtim.tv_sec = a->mtime_sec;
    st->st_mtim.tv_nsec = a->mtime_nsec;
    st->st_ctim.tv_sec = a->ctime_sec;
    st->st_ctim.tv_nsec = a->ctime_nsec;
}

static void to_entry(const s3fs_entry *e, struct fuse_entry_param *p)
{
    memset(p, 0, sizeof(*p));
    p->ino = e->ino;
    p->generation = e->generation;
    to_stat(&e->attr, &p->attr);
    p->attr_timeout = e->attr_timeout;
    p->entry_timeout = e->entry_timeout;
}

static void to_file_info(const s3fs_open_out *o, struct fuse_file_info *fi)
{
    memset(fi, 0, sizeof(*fi));
    fi->fh = o->fh;
    fi->direct_io = o->direct_io != 0;
    fi->keep_cache = o->keep_cache != 0;
    fi->nonseekable = o->nonseekable != 0;
    fi->cache_readdir = o->cache_readdir != 0;
}

int32_t s3fs_fuse_reply_err(void *req, int32_t err)
{
    return fuse_reply_err(disarm(req), err);
}

void s3fs_fuse_reply_none(void *req)
{
    fuse_reply_none(disarm(req));
}

int32_t s3fs_fuse_reply_entry(void *req, const s3fs_entry *entry)
{
    struct fuse_entry_param p;
    to_entry(entry, &p);
    return fuse_reply_entry(disarm(req), &p);
}

int32_t s3fs_fuse_reply_create(void *req, const s3fs_entry *entry, const s3fs_open_out *open)
{
    struct fuse_entry_param p;
    struct fuse_file_info fi;
    to_entry(entry, &p);
    to_file_info(open, &fi);
    return fuse_reply_create(disarm(req), &p, &fi);
}

int32_t s3fs_fuse_reply_attr(void *req, const s3fs_attr *attr, double attr_timeout)
{
    struct stat st;
    to_stat(attr, &st);
    return fuse_reply_attr(disarm(req), &st, attr_timeout);
}

int32_t s3fs_fuse_reply_readlink(void *req, const char *target)
{
    return fuse_reply_readlink(disarm(req), target);
}

int32_t s3fs_fuse_reply_open(void *req, const s3fs_open_out *open)
{
    struct fuse_file_info fi;
    to_file_info(open, &fi);
    return fuse_reply_open(disarm(req), &fi);
}

int32_t s3fs_fuse_reply_write(void *req, uint64_t count)
{
    return fuse_reply_write(disarm(req), (size_t)count);
}

int32_t s3fs_fuse_reply_buf(void *req, const void *buf, uint64_t size)
{
    return fuse_reply_buf(disarm(req), (const char *)buf, (size_t)size);
}

int32_t s3fs_fuse_reply_statfs(void *req, const s3fs_statfs *stats)
{
    struct statvfs sv;
    memset(&sv, 0, sizeof(sv));
    sv.f_bsize = stats->bsize;
    sv.f_frsize = stats->frsize;
    sv.f_blocks = stats->blocks;
    sv.f_bfree = stats->bfree;
    sv.f_bavail = stats->bavail;
    sv.f_files = stats->files;
    sv.f_ffree = stats->ffree;
    sv.f_favail = stats->favail;
    sv.f_namemax = stats->namemax;
    return fuse_reply_statfs(disarm(req), &sv);
}

int32_t s3fs_fuse_reply_xattr(void *req, uint64_t size)
{
    return fuse_reply_xattr(disarm(req), (size_t)size);
}

uint64_t s3fs_fuse_add_direntry(void *req, void *buf, uint64_t bufsize, const char *name, uint64_t ino,
                                uint32_t mode, int64_t next_offset)
{
    struct stat st;
    memset(&st, 0, sizeof(st));
    st.st_ino = ino;
    st.st_mode = mode;   /* only the S_IFMT bits are used */
    return fuse_add_direntry((fuse_req_t)req, (char *)buf, (size_t)bufsize, name, &st, next_offset);
}

uint64_t s3fs_fuse_add_direntry_plus(void *req, void *buf, uint64_t bufsize, const char *name,
                                     const s3fs_entry *entry, int64_t next_offset)
{
    struct fuse_entry_param p;
    to_entry(entry, &p);
    return fuse_add_direntry_plus((fuse_req_t)req, (char *)buf, (size_t)bufsize, name, &p, next_offset);
}
