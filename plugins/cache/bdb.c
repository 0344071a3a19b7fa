/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Storage on Berkeley DB 5.3: one transactional environment in a directory,
 * shared by every process that opens it, with three B-trees in cache.db:
 *   rr    key (key.c) -> entry (entry.c)
 *   exp   expiry (4 bytes, big endian) + key -> cost (4 bytes): eviction order
 *   meta  "version", "bytes" (approximate cost of all entries)
 * Crash tolerance: DB_REGISTER + DB_RECOVER + DB_FAILCHK on open, failchk()
 * once a second, lock timeouts; a dead process is recognised by is_alive()
 * (zombies count as dead). DB_RUNRECOVERY makes this process reopen.
 */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <db.h>
#include "plugins/cache/cache-impl.h"

#define DB_FILE "cache.db"
#define FORMAT_VERSION 0x6b430001u  /* bump when keys or entries change */
#define ENTRY_MAX 65535             /* bigger entries are not stored */
#define COST_OVERHEAD 48            /* B-tree item overhead per entry, both trees */
#define BATCH 256                   /* deletions per transaction */
#define EVICT_MAX 8192              /* evictions per call: never the whole cache at once */
#define LOCK_TIMEOUT_US 200000
#define REOPEN_DELAY 5              /* seconds between attempts when opening fails */
#define BYTES_FLUSH (16 << 10)      /* cost a process adds before it updates the shared count */

struct cache_db {
	DB_ENV *env;
	DB *rr, *exp, *meta;
	dev_t dev;            /* identity of cache.db when opened (removed by another process?) */
	ino_t ino;
	uint32_t last_maint;  /* second of the last failchk/checkpoint */
	bool broken;          /* DB_RUNRECOVERY seen: reopen */
	unsigned commits;     /* transactions committed by this handle */
	int64_t bytes_pending;  /* cost added by this process, not yet in meta "bytes" */
	int64_t usage_seen;     /* meta "bytes" when this process last wrote or read it */
	uint8_t *scratch;     /* ENTRY_MAX bytes for reading old entries */
};

/* Handles inherited over fork() must not be used or closed in the child:
 * they are parked here (still reachable, so not reported as leaks). */
static struct cache_db *inherited[16];
static unsigned inherited_count;

/* --- the wedge guard ---
 * A process killed while holding one of Berkeley DB's shared latches leaves
 * it held for ever: every other process that needs it blocks in the kernel,
 * and failchk() cannot release it (BDB 5.3 has no robust latches). So each
 * process runs a watchdog thread; when a call into Berkeley DB makes no
 * progress for GUARD_STUCK_MS, the watchdog signals the thread, which jumps
 * out of the library, abandons its handles (never touched again) and reopens
 * the environment with DB_REGISTER | DB_RECOVER, which runs recovery. */
#define GUARD_TICK_MS 100
#define GUARD_STUCK_MS 1500

static sigjmp_buf guard_jmp;
static volatile sig_atomic_t guard_active;
static volatile unsigned long guard_ticks;   /* bumped by guarded code making progress */
static unsigned guard_depth;
static pthread_t guard_thread_of;            /* the thread inside the guard */
static pid_t guard_watchdog_pid;             /* process whose watchdog runs */
static int guard_signal;

static void guard_handler(int sig)
{
	(void)sig;
	if (guard_active)
		siglongjmp(guard_jmp, 1);
}

static pthread_t guard_tid;                  /* the watchdog of guard_watchdog_pid */
static int guard_pipe[2] = { -1, -1 };       /* a byte written to [1] stops it */

static void *guard_watchdog(void *arg)
{
	(void)arg;
	unsigned long seen = 0;
	unsigned stuck = 0;
	struct pollfd quit = { .fd = guard_pipe[0], .events = POLLIN };
	while (poll(&quit, 1, GUARD_TICK_MS) == 0 || (quit.revents == 0 && errno == EINTR)) {
		unsigned long now = guard_ticks;
		if (!guard_active || now != seen) {
			seen = now;
			stuck = 0;
			continue;
		}
		if (++stuck * GUARD_TICK_MS >= GUARD_STUCK_MS) {
			pthread_kill(guard_thread_of, guard_signal);
			stuck = 0;
		}
	}
	return NULL;
}

/** Start the watchdog of this process (once per process: threads do not survive fork). */
static void guard_start(void)
{
	if (guard_watchdog_pid == getpid())
		return;
	if (guard_pipe[0] >= 0) {
		/* The parent's (inherited over fork): its thread is not ours. */
		close(guard_pipe[0]);
		close(guard_pipe[1]);
		guard_pipe[0] = guard_pipe[1] = -1;
	}
	if (pipe2(guard_pipe, O_CLOEXEC) != 0) {
		guard_pipe[0] = guard_pipe[1] = -1;
		return;
	}
	guard_signal = SIGRTMIN + 5;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_handler;
	/* A signal that comes just after the guarded call ended returns without a
	 * jump: whatever system call the thread is in then goes on (SA_RESTART)
	 * instead of failing with EINTR (e.g. a write cut short on a pipe). */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(guard_signal, &sa, NULL);
	/* The watchdog takes no signals (they are for the guarded thread). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&guard_tid, NULL, guard_watchdog, NULL) == 0)
		guard_watchdog_pid = getpid();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/**
 * Stop this process's watchdog and wait for it: its code lives in this
 * plugin, which is unloaded (dlclose) after deinit — a thread left running
 * would wake up in unmapped memory.
 */
static void guard_stop(void)
{
	if (guard_watchdog_pid != getpid() || guard_pipe[1] < 0)
		return;
	char b = 1;
	if (write(guard_pipe[1], &b, 1) == 1)
		pthread_join(guard_tid, NULL);
	close(guard_pipe[0]);
	close(guard_pipe[1]);
	guard_pipe[0] = guard_pipe[1] = -1;
	guard_watchdog_pid = 0;
}

static void guard_progress(void)
{
	++guard_ticks;
}

static void guard_on(void)
{
	guard_thread_of = pthread_self();
	++guard_ticks;
	guard_active = 1;
}

static void guard_off(void)
{
	guard_active = 0;
}

static int guard_escaped(struct cache *c);
static void db_free(struct cache_db *db);
static void bytes_flush(struct cache_db *db);

/** Run call (an int expression) under the guard; nested calls run as they are. */
#define GUARDED(c, call) ({ \
	int64_t r_; \
	if (guard_depth) { \
		r_ = (call); \
	} else if (sigsetjmp(guard_jmp, 1)) { \
		r_ = guard_escaped(c); \
	} else { \
		++guard_depth; \
		guard_on(); \
		r_ = (call); \
		guard_off(); \
		--guard_depth; \
	} \
	r_; })

/**
 * The watchdog got us out of a wedged call: mark the environment panicked (all
 * processes then get DB_RUNRECOVERY and reopen with recovery), release this
 * process's handle as far as Berkeley DB lets a panicked one go, and reopen on
 * next use. A close that wedges too is abandoned (parked, never touched).
 */
static int guard_escaped(struct cache *c)
{
	guard_active = 0;
	guard_depth = 0;
	kr_log_warning(cache, "the cache is wedged by a process that died inside it: recovering");
	++c->stats.recover;
	struct cache_db *db = c->db;
	c->db = NULL;
	static struct cache_db *volatile closing;
	if (closing) {
		/* The close below wedged as well: leave these handles alone. */
		if (inherited_count < sizeof(inherited) / sizeof(inherited[0]))
			inherited[inherited_count++] = closing;
		closing = NULL;
		return -EIO;
	}
	if (!db)
		return -EIO;
	closing = db;
	db->env->set_flags(db->env, DB_PANIC_ENVIRONMENT, 1);
	GUARDED(c, (db_free(db), 0));
	closing = NULL;
	return -EIO;
}


uint32_t cache_now(void)
{
	return (uint32_t)time(NULL);
}

uint64_t cache_budget(const struct cache *c)
{
	/* B-tree pages run 50-70 % full after random inserts: keep the cost at
	 * about half the size so that cache.db stays within it. */
	return (uint64_t)c->max_size / 2;
}

static size_t mpool_size(size_t max_size)
{
	size_t m = max_size / 16;
	if (m < (256u << 10))
		m = 256u << 10;
	if (m > (32u << 20))
		m = 32u << 20;
	return m;
}

/* --- Berkeley DB callbacks --- */

static void errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	(void)pfx;
	kr_log_debug(cache, "bdb: %s", msg);
}

static void msgcall(const DB_ENV *env, const char *msg)
{
	(void)env;
	kr_log_debug(cache, "bdb: %s", msg);
}

/** Is process pid still running? Zombies (killed, not yet reaped) are not. */
static int is_alive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
	(void)env;
	(void)tid;
	(void)flags;
	if (pid == getpid())
		return 1;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 0;
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return 0;
	return 1;
}

/** Map a Berkeley DB error; DB_RUNRECOVERY marks the handle for reopening. */
static int db_err(struct cache *c, struct cache_db *db, int ret)
{
	switch (ret) {
	case 0:
		return 0;
	case DB_NOTFOUND:
	case DB_KEYEMPTY:
		return -ENOENT;
	case DB_LOCK_DEADLOCK:
	case DB_LOCK_NOTGRANTED:
		++c->stats.conflict;
		return -EAGAIN;
	case DB_RUNRECOVERY:
		if (!db->broken)
			kr_log_notice(cache, "the cache needs recovery (a process died while using it): reopening");
		db->broken = true;
		return -EIO;
	case ENOMEM:
		return -ENOMEM;
	default:
		++c->stats.error;
		kr_log_debug(cache, "storage error: %s", db_strerror(ret));
		return -EIO;
	}
}

/* --- open, check, recreate --- */

static void db_handles_close(struct cache_db *db)
{
	if (db->meta)
		db->meta->close(db->meta, 0);
	if (db->exp)
		db->exp->close(db->exp, 0);
	if (db->rr)
		db->rr->close(db->rr, 0);
	if (db->env)
		db->env->close(db->env, 0);
	db->meta = db->exp = db->rr = NULL;
	db->env = NULL;
}

static void db_free(struct cache_db *db)
{
	if (!db)
		return;
	db_handles_close(db);
	free(db->scratch);
	free(db);
}

/**
 * Key order: unsigned bytes, a prefix before its extensions — the order of
 * Berkeley DB's default comparison, done with memcmp() instead of byte by byte
 * (the comparison is the hottest part of every lookup).
 */
static int key_compare(DB *db, const DBT *a, const DBT *b)
{
	size_t n = a->size < b->size ? a->size : b->size;
	int c = n ? memcmp(a->data, b->data, n) : 0;
	if (c)
		return c;
	return a->size < b->size ? -1 : a->size > b->size;
}

static int tree_open(DB_ENV *env, DB **out, const char *name)
{
	int ret = db_create(out, env, 0);
	if (ret != 0)
		return ret;
	ret = (*out)->set_bt_compare(*out, key_compare);
	if (ret != 0)
		return ret;
	return (*out)->open(*out, NULL, DB_FILE, name, DB_BTREE, DB_CREATE | DB_AUTO_COMMIT, 0640);
}

/** Read or write the format version. @return 0, or nonzero when it differs or fails. */
static int version_check(struct cache_db *db)
{
	uint32_t v = FORMAT_VERSION, got = 0;
	DBT k = { .data = "version", .size = 7 };
	DBT d = { .data = &got, .ulen = sizeof(got), .flags = DB_DBT_USERMEM };
	int ret = db->meta->get(db->meta, NULL, &k, &d, 0);
	if (ret == DB_NOTFOUND) {
		DBT nd = { .data = &v, .size = sizeof(v) };
		ret = db->meta->put(db->meta, NULL, &k, &nd, DB_AUTO_COMMIT | DB_NOOVERWRITE);
		return ret == DB_KEYEXIST ? version_check(db) : ret;
	}
	if (ret != 0)
		return ret;
	return d.size == sizeof(got) && got == v ? 0 : EINVAL;
}

/** One attempt at opening the environment and its trees. @return 0 or a BDB/errno code. */
static int env_try_open(struct cache_db *db, const char *path, size_t max_size)
{
	DB_ENV *env;
	int ret = db_env_create(&env, 0);
	if (ret != 0)
		return ret;
	db->env = env;
	env->set_errcall(env, errcall);
	env->set_msgcall(env, msgcall);
	size_t mp = mpool_size(max_size);
	env->set_cachesize(env, 0, (u_int32_t)mp, 1);
	env->set_lg_bsize(env, 256u << 10);
	env->set_lg_max(env, 1u << 20);
	env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1);
	env->set_flags(env, DB_TXN_NOSYNC, 1);
	env->set_lk_detect(env, DB_LOCK_DEFAULT);
	env->set_timeout(env, LOCK_TIMEOUT_US, DB_SET_LOCK_TIMEOUT);
	env->set_lk_max_locks(env, 5000);
	env->set_lk_max_objects(env, 5000);
	env->set_lk_max_lockers(env, 1000);
	env->set_thread_count(env, 512);
	env->set_isalive(env, is_alive);
	u_int32_t flags = DB_CREATE | DB_INIT_MPOOL | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_TXN |
			  DB_REGISTER | DB_RECOVER | DB_FAILCHK;
	ret = env->open(env, path, flags, 0640);
	if (ret != 0)
		return ret;
	if ((ret = tree_open(env, &db->rr, "rr")) != 0 || (ret = tree_open(env, &db->exp, "exp")) != 0 ||
	    (ret = tree_open(env, &db->meta, "meta")) != 0)
		return ret;
	if ((ret = version_check(db)) != 0)
		return ret;
	/* A cheap check of the data tree: its first record must be readable. */
	DBC *cur;
	if ((ret = db->rr->cursor(db->rr, NULL, &cur, 0)) != 0)
		return ret;
	DBT k = { .flags = DB_DBT_MALLOC }, d = { .flags = DB_DBT_MALLOC };
	ret = cur->get(cur, &k, &d, DB_FIRST);
	free(k.data);
	free(d.data);
	cur->close(cur);
	if (ret != 0 && ret != DB_NOTFOUND)
		return ret;
	char file[1100];
	snprintf(file, sizeof(file), "%s/%s", path, DB_FILE);
	struct stat st;
	if (stat(file, &st) == 0) {
		db->dev = st.st_dev;
		db->ino = st.st_ino;
	}
	return 0;
}

/** Is name a file of our environment (cache.db, __db.*, BDB log files)? */
static bool env_file(const char *name)
{
	if (!strcmp(name, DB_FILE) || !strncmp(name, "__db.", 5))
		return true;
	if (strncmp(name, "log.", 4) != 0 || strlen(name) != 14)
		return false;
	for (int i = 4; i < 14; ++i)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return true;
}

static void env_remove(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	char file[1400];
	while ((e = readdir(d))) {
		if (!env_file(e->d_name))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		unlink(file);
	}
	closedir(d);
}

static const char *ret_str(int ret)
{
	return ret == -EIO ? "wedged" : db_strerror(ret);
}

/** Release the handles of a failed attempt; wedged ones (-EIO) are parked, never touched. */
static void attempt_drop(struct cache_db *db, int ret)
{
	if (ret == -EIO) {
		struct cache_db *park = calloc(1, sizeof(*park));
		if (park) {
			*park = *db;
			park->scratch = NULL;
			if (inherited_count < sizeof(inherited) / sizeof(inherited[0]))
				inherited[inherited_count++] = park;
		}
		db->env = NULL;
		db->rr = db->exp = db->meta = NULL;
		return;
	}
	db_handles_close(db);
}

/**
 * Open (or create) the storage at path; a storage that fails to open or
 * check is removed and created again, with one log line.
 */
static struct cache_db *db_open(struct cache *c, const char *path, size_t max_size)
{
	struct cache_db *volatile db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->scratch = malloc(ENTRY_MAX);
	if (!db->scratch) {
		free(db);
		return NULL;
	}
	if (mkdir(path, 0750) != 0 && errno != EEXIST) {
		kr_log_error(cache, "cannot create the cache directory %s: %s", path, strerror(errno));
		db_free(db);
		return NULL;
	}
	/* Processes opening at once wait for each other (and for a recreation). */
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		flock(dfd, LOCK_EX);
	int ret = (int)GUARDED(c, env_try_open(db, path, max_size));
	if (ret != 0) {
		attempt_drop(db, ret);
		env_remove(path);
		int ret2 = (int)GUARDED(c, env_try_open(db, path, max_size));
		if (ret2 == 0) {
			kr_log_warning(cache, "the cache in %s could not be opened (%s): removed and created again",
				       path, ret_str(ret));
			++c->stats.recreate;
			/* Other processes' fronts may hold what was lost. */
			if (cache_front_attach(&c->front, path) == 0)
				cache_front_bump(&c->front);
		} else {
			kr_log_error(cache, "the cache in %s could not be opened (%s) nor created again (%s)",
				     path, ret_str(ret), ret_str(ret2));
			attempt_drop(db, ret2);
			db_free(db);
			db = NULL;
		}
	}
	if (db) {
		/* Mapped even without a front: the core's answer cache watches it too. */
		int fret = cache_front_attach(&c->front, path);
		if (fret != 0)
			kr_log_warning(cache, "cannot map %s/cache.gen (%s): no in-memory front, and "
				       "clearing the cache in another process does not reach this one's answer cache",
				       path, strerror(-fret));
	}
	if (dfd >= 0) {
		flock(dfd, LOCK_UN);
		close(dfd);
	}
	return db;
}

static unsigned instances;   /* caches alive in this process (the watchdog serves them all) */

struct cache *cache_new(void)
{
	struct cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	++instances;
	c->max_size = CACHE_DEFAULT_SIZE;
	c->min_ttl = CACHE_DEFAULT_MIN_TTL;
	c->max_ttl = CACHE_DEFAULT_MAX_TTL;
	c->aggressive = true;
	snprintf(c->uri, sizeof(c->uri), "%s", CACHE_DEFAULT_URI);
	snprintf(c->path, sizeof(c->path), ".");
	cache_front_init(&c->front, CACHE_FRONT_DEFAULT);
	return c;
}

void cache_close(struct cache *c)
{
	if (c)
		cache_front_flush(&c->front);   /* what opens next may be another storage */
	if (!c || !c->db)
		return;
	if (c->db_pid == getpid()) {
		GUARDED(c, (bytes_flush(c->db), 0));
		if (!c->db)
			return;   /* wedged: abandoned */
		db_free(c->db);
	} else if (inherited_count < sizeof(inherited) / sizeof(inherited[0])) {
		inherited[inherited_count++] = c->db;
	}
	c->db = NULL;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	if (c->service)
		cache_service_stop(c);
	cache_close(c);
	cache_front_deinit(&c->front);
	free(c);
	if (--instances == 0)
		guard_stop();
}

int cache_uri_parse(const char *uri, char *path, size_t maxlen, bool *legacy)
{
	*legacy = false;
	const char *p = uri;
	if (!strncmp(uri, "bdb://", 6)) {
		p = uri + 6;
	} else if (!strncmp(uri, "lmdb://", 7)) {
		p = uri + 7;
		*legacy = true;
	} else if (strstr(uri, "://")) {
		return -EINVAL;
	}
	if (!*p)
		p = ".";
	if (strlen(p) >= maxlen || strlen(p) > 900)
		return -EINVAL;
	snprintf(path, maxlen, "%s", p);
	return 0;
}

static uint32_t last_failed_open;

struct cache_db *cache_db(struct cache *c)
{
	if (c->db && c->db_pid != getpid())
		cache_close(c);   /* opened before fork(): park the parent's handles */
	if (c->db && c->db->broken)
		cache_close(c);
	if (!c->db) {
		uint32_t now = cache_now();
		if (last_failed_open && now - last_failed_open < REOPEN_DELAY)
			return NULL;
		guard_start();
		c->db = db_open(c, c->path, c->max_size);
		if (!c->db) {
			last_failed_open = now;
			return NULL;
		}
		last_failed_open = 0;
		c->db_pid = getpid();
		c->db->last_maint = now;
		int64_t u = cache_usage(c);
		if (c->db && u > 0)
			c->db->usage_seen = u;
		return c->db;
	}
	/* Once a second: release what dead processes held, trim the log, and
	 * notice a cache recreated by another process. */
	uint32_t now = cache_now();
	struct cache_db *db = c->db;
	if (now != db->last_maint) {
		db->last_maint = now;
		int ret = GUARDED(c, db->env->failchk(db->env, 0));
		if (!c->db)
			return cache_db(c);   /* wedged: abandoned */
		if (ret == DB_RUNRECOVERY) {
			db_err(c, db, ret);
			++c->stats.recover;
			cache_close(c);
			return cache_db(c);
		}
		GUARDED(c, (bytes_flush(db), db->env->txn_checkpoint(db->env, 512, 0, 0)));
		if (!c->db)
			return cache_db(c);
		char file[1100];
		snprintf(file, sizeof(file), "%s/%s", c->path, DB_FILE);
		struct stat st;
		if (stat(file, &st) != 0 || st.st_ino != db->ino || st.st_dev != db->dev) {
			kr_log_notice(cache, "the cache in %s was replaced: reopening", c->path);
			cache_close(c);
			return cache_db(c);
		}
	}
	return c->db;
}

int cache_open(struct cache *c, size_t max_size, const char *uri)
{
	char path[sizeof(c->path)];
	bool legacy = false;
	if (uri && cache_uri_parse(uri, path, sizeof(path), &legacy) != 0)
		return -EINVAL;
	if (legacy)
		kr_log_notice(cache, "storage '%s': LMDB is not used by kresd, the Berkeley DB backend takes %s",
			      uri, path);
	if (max_size < CACHE_MIN_SIZE)
		max_size = CACHE_MIN_SIZE;
	if (c->size_set && max_size < c->max_size) {
		kr_log_notice(cache, "cache size cannot be lowered: keeping %zu bytes", c->max_size);
		max_size = c->max_size;
	}
	cache_close(c);
	c->max_size = max_size;
	c->size_set = true;
	if (uri) {
		snprintf(c->path, sizeof(c->path), "%s", path);
		snprintf(c->uri, sizeof(c->uri), "%s", uri);
	}
	last_failed_open = 0;
	if (!cache_db(c))
		return -EIO;
	/* Over the bound (a smaller size than last time): trim now. */
	if ((uint64_t)cache_usage(c) > cache_budget(c))
		cache_evict(c, cache_budget(c) * 9 / 10);
	return 0;
}

/* --- reading --- */

static int get_impl(struct cache *c, const uint8_t *key, size_t klen, kr_mm_t *mm,
		    uint8_t **val, size_t *len)
{
	struct cache_db *db = cache_db(c);
	if (!db)
		return -EIO;
	++c->stats.read;
	uint32_t cap = 1024;
	for (int attempt = 0; attempt < 2; ++attempt) {
		uint8_t *buf = kr_mm_alloc(mm, cap);
		if (!buf)
			return -ENOMEM;
		DBT k = { .data = (void *)key, .size = (u_int32_t)klen };
		DBT d = { .data = buf, .ulen = cap, .flags = DB_DBT_USERMEM };
		int ret = db->rr->get(db->rr, NULL, &k, &d, 0);
		if (ret == DB_BUFFER_SMALL) {
			kr_mm_free(mm, buf);
			cap = d.size;
			continue;
		}
		if (ret != 0)
			return db_err(c, db, ret);
		*val = buf;
		*len = d.size;
		return 0;
	}
	return -EIO;
}

/* --- writing --- */

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t entry_cost(size_t klen, size_t vlen)
{
	return (uint32_t)(2 * klen + 4 + vlen + 4 + COST_OVERHEAD);
}

/** Add delta to the shared byte count in txn; the new count goes to *total (may be NULL). */
static int bytes_add(struct cache_db *db, DB_TXN *txn, int64_t delta, bool reset, int64_t *total)
{
	int64_t v = 0;
	DBT k = { .data = "bytes", .size = 5 };
	DBT d = { .data = &v, .ulen = sizeof(v), .flags = DB_DBT_USERMEM };
	int ret = db->meta->get(db->meta, txn, &k, &d, DB_RMW);
	if (ret != 0 && ret != DB_NOTFOUND)
		return ret;
	if (ret != 0 || d.size != sizeof(v) || reset)
		v = 0;
	v += delta;
	if (v < 0)
		v = 0;
	if (total)
		*total = v;
	DBT nd = { .data = &v, .size = sizeof(v) };
	return db->meta->put(db->meta, txn, &k, &nd, 0);
}

/** Add this process's pending cost to the shared count (own transaction). */
static void bytes_flush(struct cache_db *db)
{
	if (!db->bytes_pending)
		return;
	DB_TXN *txn;
	if (db->env->txn_begin(db->env, NULL, &txn, 0) != 0)
		return;
	int64_t total;
	if (bytes_add(db, txn, db->bytes_pending, false, &total) == 0 && txn->commit(txn, 0) == 0) {
		db->bytes_pending = 0;
		db->usage_seen = total;
	} else {
		txn->abort(txn);
	}
}

static int64_t usage_impl(struct cache *c)
{
	struct cache_db *db = cache_db(c);
	if (!db)
		return -EIO;
	int64_t v = 0;
	DBT k = { .data = "bytes", .size = 5 };
	DBT d = { .data = &v, .ulen = sizeof(v), .flags = DB_DBT_USERMEM };
	int ret = db->meta->get(db->meta, NULL, &k, &d, 0);
	if (ret == DB_NOTFOUND)
		return 0;
	return ret == 0 ? v : db_err(c, db, ret);
}

/** Delete the entry at key (and its expiry record) in txn. @return its cost, 0 when absent, or <0. */
static int64_t entry_del(struct cache_db *db, DB_TXN *txn, const uint8_t *key, size_t klen)
{
	DBT k = { .data = (void *)key, .size = (u_int32_t)klen };
	DBT d = { .data = db->scratch, .ulen = ENTRY_MAX, .flags = DB_DBT_USERMEM };
	int ret = db->rr->get(db->rr, txn, &k, &d, DB_RMW);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0)
		return ret;
	struct cache_entry_hdr h;
	if (cache_entry_header(db->scratch, d.size, &h) != 0)
		h.expire = 0;
	int64_t cost = entry_cost(klen, d.size);
	if ((ret = db->rr->del(db->rr, txn, &k, 0)) != 0)
		return ret;
	uint8_t ek[4 + CACHE_KEY_MAX];
	be32_put(ek, h.expire);
	memcpy(ek + 4, key, klen);
	DBT ekt = { .data = ek, .size = (u_int32_t)(4 + klen) };
	ret = db->exp->del(db->exp, txn, &ekt, 0);
	if (ret != 0 && ret != DB_NOTFOUND)
		return ret;
	return cost;
}

/** Store one write in txn under the rank rule. @return 1 stored, 0 kept the old, or a BDB error. */
/**
 * w replaces the fresh entry old: an NS set of the same standing (each rank
 * would replace the other) keeps old's expiry when that comes sooner.
 */
static void ns_keep_expiry(struct cache_write *w, const struct cache_entry_hdr *old, uint32_t now)
{
	if (w->hdr.kind != CACHE_KIND_RR || cache_key_type(w->key, w->klen) != KR_TYPE_NS ||
	    !kr_cache_rank_replaces(old->rank, w->hdr.rank) || old->expire >= w->hdr.expire)
		return;
	w->hdr.expire = old->expire;
	w->hdr.ttl = old->expire - now;
	cache_entry_set_expire(w->val, old->expire, now);
}

static int put_one(struct cache_db *db, DB_TXN *txn, struct cache_write *w, uint32_t now,
		   int64_t *delta)
{
	DBT k = { .data = (void *)w->key, .size = w->klen };
	DBT d = { .data = db->scratch, .ulen = ENTRY_MAX, .flags = DB_DBT_USERMEM };
	int ret = db->rr->get(db->rr, txn, &k, &d, DB_RMW);
	if (ret == 0) {
		struct cache_entry_hdr old;
		bool fresh = cache_entry_header(db->scratch, d.size, &old) == 0 && old.expire > now;
		if (fresh && !kr_cache_rank_replaces(w->hdr.rank, old.rank))
			return 0;
		if (fresh)
			ns_keep_expiry(w, &old, now);
		int64_t cost = entry_del(db, txn, w->key, w->klen);
		if (cost < 0)
			return (int)cost;
		*delta -= cost;
	} else if (ret != DB_NOTFOUND) {
		return ret;
	}
	DBT nd = { .data = (void *)w->val, .size = (u_int32_t)w->vlen };
	if ((ret = db->rr->put(db->rr, txn, &k, &nd, 0)) != 0)
		return ret;
	uint8_t ek[4 + CACHE_KEY_MAX], cost[4];
	be32_put(ek, w->hdr.expire);
	memcpy(ek + 4, w->key, w->klen);
	uint32_t c = entry_cost(w->klen, w->vlen);
	be32_put(cost, c);
	DBT ekt = { .data = ek, .size = 4u + w->klen };
	DBT ev = { .data = cost, .size = 4 };
	if ((ret = db->exp->put(db->exp, txn, &ekt, &ev, 0)) != 0)
		return ret;
	*delta += c;
	return 1;
}

static int put_impl(struct cache *c, struct cache_write *w, unsigned count, uint32_t now)
{
	/* What this process stored (or read) recently, unchanged and fresh for
	 * at least half of the new TTL, is not written again: the NS set and glue
	 * that come with every answer from a zone would cost a write each time. */
	bool skip[CACHE_BATCH_MAX];
	unsigned todo = 0;
	for (unsigned i = 0; i < count; ++i) {
		bool s = i < CACHE_BATCH_MAX &&
			 cache_front_holds(&c->front, w[i].key, w[i].klen, w[i].val, w[i].vlen, now);
		if (i < CACHE_BATCH_MAX)
			skip[i] = s;
		todo += !s;
	}
	if (todo == 0) {
		c->stats.skip += count;
		return (int)count;   /* held already: as good as stored */
	}
	c->stats.skip += count - todo;
	struct cache_db *db = cache_db(c);
	if (!db)
		return -EIO;
	int stored = 0, ret = 0;
	int64_t usage = -1;
	uint16_t done[CACHE_BATCH_MAX];   /* the writes stored, for the front */
	unsigned ndone = 0;
	for (int attempt = 0; attempt < 2; ++attempt) {
		DB_TXN *txn = NULL;
		int64_t delta = 0;
		stored = 0;
		ndone = 0;
		usage = -1;
		ret = db->env->txn_begin(db->env, NULL, &txn, 0);
		if (ret != 0)
			return db_err(c, db, ret);
		for (unsigned i = 0; i < count && ret >= 0; ++i) {
			if (w[i].vlen > ENTRY_MAX || (i < CACHE_BATCH_MAX && skip[i]))
				continue;
			ret = put_one(db, txn, &w[i], now, &delta);
			if (ret > 0) {
				++stored;
				if (ndone < CACHE_BATCH_MAX)
					done[ndone++] = (uint16_t)i;
				ret = 0;
			}
		}
		/* The shared count is one record every writer updates: each process
		 * adds its cost in steps of BYTES_FLUSH (and before evicting). */
		int64_t pend = db->bytes_pending + delta;
		bool flush = pend >= BYTES_FLUSH || pend <= -BYTES_FLUSH ||
			     (uint64_t)(db->usage_seen + pend) > cache_budget(c);
		if (ret == 0 && flush && pend)
			ret = bytes_add(db, txn, pend, false, &usage);
		if (ret == 0) {
			ret = txn->commit(txn, 0);
			if (ret == 0) {
				if (flush && pend) {
					db->bytes_pending = 0;
					db->usage_seen = usage;
				} else {
					db->bytes_pending = pend;
				}
				++c->stats.commit;
				c->stats.write += count;
				c->stats.insert += (uint64_t)stored;
				break;
			}
		} else {
			txn->abort(txn);
			++c->stats.abort;
		}
		if (ret != DB_LOCK_DEADLOCK && ret != DB_LOCK_NOTGRANTED)
			break;
		db_err(c, db, ret);
	}
	if (ret != 0)
		return db_err(c, db, ret);
	/* The front follows: what was stored, and no stale marker or copy of
	 * what the rank rule kept out (the storage holds something else). */
	for (unsigned i = 0, d = 0; i < count && i < CACHE_BATCH_MAX; ++i) {
		if (skip[i])
			continue;
		if (d < ndone && done[d] == i) {
			if (!cache_key_aggr(w[i].key, w[i].klen))   /* read by range, never from the front */
				cache_front_put(&c->front, w[i].key, w[i].klen, w[i].val, w[i].vlen, now);
			++d;
		} else {
			cache_front_drop(&c->front, w[i].key, w[i].klen);
		}
	}
	/* Log files go at the checkpoints, once a second (cache_db()) or here
	 * after every 256 KiB of log, whichever comes first. */
	if ((++db->commits & 63) == 0)
		db->env->txn_checkpoint(db->env, 256, 0, 0);
	if (stored && usage >= 0 && (uint64_t)usage > cache_budget(c)) {
		cache_evict(c, cache_budget(c) * 9 / 10);
		if (c->db == db) {
			int64_t u = cache_usage(c);
			if (u >= 0)
				db->usage_seen = u;
		}
	}
	return stored + (int)(count - todo);
}

/** A read cursor for a range look-up (counted as a probe). @return 0 or <0. */
static int range_cursor(struct cache *c, struct cache_db **db, DBC **cur)
{
	if (!(*db = cache_db(c)))
		return -EIO;
	++c->stats.probe;
	int ret = (*db)->rr->cursor((*db)->rr, NULL, cur, DB_READ_COMMITTED);
	return ret ? db_err(c, *db, ret) : 0;
}

static int probe_impl(struct cache *c, const uint8_t *prefix, size_t plen, const uint8_t *key,
		      size_t klen, kr_mm_t *mm, uint8_t **val, size_t *len)
{
	struct cache_db *db;
	DBC *cur;
	int ret = range_cursor(c, &db, &cur);
	if (ret != 0)
		return ret;
	uint8_t kbuf[CACHE_KEY_MAX];
	uint32_t cap = 1024;
	uint8_t *buf = NULL;
	DBT k, d;
	for (int attempt = 0; attempt < 2; ++attempt) {
		buf = kr_mm_alloc(mm, cap);
		if (!buf) {
			cur->close(cur);
			return -ENOMEM;
		}
		memcpy(kbuf, prefix, plen);
		k = (DBT){ .data = kbuf, .size = (u_int32_t)plen, .ulen = sizeof(kbuf), .flags = DB_DBT_USERMEM };
		d = (DBT){ .data = buf, .ulen = cap, .flags = DB_DBT_USERMEM };
		ret = cur->get(cur, &k, &d, DB_SET_RANGE);
		if (ret != DB_BUFFER_SMALL)
			break;
		kr_mm_free(mm, buf);
		cap = d.size;
	}
	cur->close(cur);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0)
		return db_err(c, db, ret);
	if (k.size < plen || memcmp(kbuf, prefix, plen) != 0)
		return 0;
	if (k.size != klen || memcmp(kbuf, key, klen) != 0)
		return 1;
	++c->stats.read;
	*val = buf;
	*len = d.size;
	return 2;
}

/** Position cur at the greatest key below the range of prefix (DB_SET_RANGE past it, DB_PREV). */
static int floor_last(DBC *cur, const uint8_t *prefix, size_t plen, DBT *k, DBT *d)
{
	/* The first key after every key with the prefix: the prefix with its
	 * last byte below 0xff incremented (and cut there). */
	uint8_t *kbuf = k->data;
	size_t n = plen;
	memcpy(kbuf, prefix, plen);
	while (n && kbuf[n - 1] == 0xff)
		--n;
	int ret = DB_NOTFOUND;
	if (n) {
		++kbuf[n - 1];
		k->size = (u_int32_t)n;
		ret = cur->get(cur, k, d, DB_SET_RANGE);
	}
	if (ret == DB_NOTFOUND)
		return cur->get(cur, k, d, DB_LAST);
	return ret == 0 ? cur->get(cur, k, d, DB_PREV) : ret;
}

static int floor_impl(struct cache *c, const uint8_t *prefix, size_t plen, const uint8_t *key,
		      size_t klen, kr_mm_t *mm, uint8_t *found, size_t *flen, uint8_t **val, size_t *len)
{
	struct cache_db *db;
	DBC *cur;
	int ret = range_cursor(c, &db, &cur);
	if (ret != 0)
		return ret;
	/* Position by keys only, then read the entry at the cursor. */
	memcpy(found, key, klen);
	DBT k = { .data = found, .size = (u_int32_t)klen, .ulen = CACHE_KEY_MAX, .flags = DB_DBT_USERMEM };
	DBT d = { .flags = DB_DBT_PARTIAL | DB_DBT_USERMEM, .data = db->scratch, .ulen = 0 };
	int exact = 0;
	ret = cur->get(cur, &k, &d, DB_SET_RANGE);
	if (ret == 0 && k.size == klen && memcmp(found, key, klen) == 0)
		exact = 1;
	else if (ret == 0)
		ret = cur->get(cur, &k, &d, DB_PREV);
	else if (ret == DB_NOTFOUND)
		ret = cur->get(cur, &k, &d, DB_LAST);
	if (!exact && (ret == DB_NOTFOUND || (ret == 0 && (k.size < plen || memcmp(found, prefix, plen) != 0))))
		ret = floor_last(cur, prefix, plen, &k, &d);   /* none below key: the last one wraps */
	if (ret == 0 && (k.size < plen || memcmp(found, prefix, plen) != 0))
		ret = DB_NOTFOUND;
	uint32_t cap = 1024;
	for (int attempt = 0; ret == 0 && attempt < 2; ++attempt) {
		uint8_t *buf = kr_mm_alloc(mm, cap);
		if (!buf) {
			cur->close(cur);
			return -ENOMEM;
		}
		DBT dd = { .data = buf, .ulen = cap, .flags = DB_DBT_USERMEM };
		ret = cur->get(cur, &k, &dd, DB_CURRENT);
		if (ret == DB_BUFFER_SMALL) {
			kr_mm_free(mm, buf);
			cap = dd.size;
			ret = attempt ? ret : 0;
			continue;
		}
		*val = buf;
		*len = dd.size;
		break;
	}
	cur->close(cur);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0)
		return db_err(c, db, ret);
	++c->stats.read;
	*flen = k.size;
	return exact ? 1 : 2;
}

/* --- ranges, eviction, pruning --- */

static int scan_impl(struct cache *c, const uint8_t *prefix, size_t plen, cache_scan_cb cb, void *arg)
{
	struct cache_db *db = cache_db(c);
	if (!db)
		return -EIO;
	DBC *cur;
	int ret = db->rr->cursor(db->rr, NULL, &cur, DB_READ_COMMITTED);
	if (ret != 0)
		return db_err(c, db, ret);
	uint8_t kbuf[CACHE_KEY_MAX];
	if (plen)
		memcpy(kbuf, prefix, plen);
	DBT k = { .data = kbuf, .size = (u_int32_t)plen, .ulen = sizeof(kbuf), .flags = DB_DBT_USERMEM };
	DBT d = { .data = db->scratch, .ulen = ENTRY_MAX, .flags = DB_DBT_USERMEM };
	ret = cur->get(cur, &k, &d, plen ? DB_SET_RANGE : DB_FIRST);
	while (ret == 0) {
		if (k.size < plen || (plen && memcmp(kbuf, prefix, plen) != 0))
			break;
		if (cb(kbuf, k.size, db->scratch, d.size, arg))
			break;
		guard_progress();
		ret = cur->get(cur, &k, &d, DB_NEXT);
	}
	cur->close(cur);
	return ret == 0 || ret == DB_NOTFOUND ? 0 : db_err(c, db, ret);
}

static int delete_range_impl(struct cache *c, const uint8_t *prefix, size_t plen,
			     bool (*keep)(const uint8_t *key, size_t klen, void *arg), void *arg)
{
	struct cache_db *db = cache_db(c);
	if (!db)
		return -EIO;
	int deleted = 0, ret = 0;
	uint8_t start[CACHE_KEY_MAX];
	size_t slen = plen;
	if (plen)
		memcpy(start, prefix, plen);
	bool more = true;
	while (more) {
		/* Collect a batch of keys, then delete them in one transaction. */
		uint8_t (*keys)[CACHE_KEY_MAX] = malloc((size_t)BATCH * CACHE_KEY_MAX);
		size_t klens[BATCH];
		unsigned n = 0;
		if (!keys)
			return -ENOMEM;
		DBC *cur;
		if ((ret = db->rr->cursor(db->rr, NULL, &cur, DB_READ_COMMITTED)) != 0) {
			free(keys);
			return db_err(c, db, ret);
		}
		uint8_t kbuf[CACHE_KEY_MAX];
		if (slen)
			memcpy(kbuf, start, slen);
		DBT k = { .data = kbuf, .size = (u_int32_t)slen, .ulen = sizeof(kbuf), .flags = DB_DBT_USERMEM };
		DBT d = { .flags = DB_DBT_PARTIAL | DB_DBT_USERMEM, .data = db->scratch, .ulen = 0 };
		ret = cur->get(cur, &k, &d, slen ? DB_SET_RANGE : DB_FIRST);
		more = false;
		while (ret == 0) {
			if (k.size < plen || (plen && memcmp(kbuf, prefix, plen) != 0))
				break;
			if (!keep || !keep(kbuf, k.size, arg)) {
				if (n == BATCH) {
					more = true;
					memcpy(start, kbuf, k.size);
					slen = k.size;
					break;
				}
				memcpy(keys[n], kbuf, k.size);
				klens[n++] = k.size;
			}
			ret = cur->get(cur, &k, &d, DB_NEXT);
		}
		cur->close(cur);
		if (ret != 0 && ret != DB_NOTFOUND) {
			free(keys);
			return db_err(c, db, ret);
		}
		DB_TXN *txn;
		if ((ret = db->env->txn_begin(db->env, NULL, &txn, 0)) != 0) {
			free(keys);
			return db_err(c, db, ret);
		}
		int64_t delta = 0;
		unsigned done = 0;
		for (unsigned i = 0; i < n; ++i) {
			int64_t cost = entry_del(db, txn, keys[i], klens[i]);
			if (cost < 0) {
				ret = (int)cost;
				break;
			}
			delta -= cost;
			done += cost > 0;
		}
		free(keys);
		if (ret == 0)
			ret = bytes_add(db, txn, delta, !more && plen == 0 && !keep, NULL);
		if (ret == 0)
			ret = txn->commit(txn, 0);
		else
			txn->abort(txn);
		if (ret != 0)
			return db_err(c, db, ret);
		deleted += (int)done;
		c->stats.delete += done;
		guard_progress();
	}
	return deleted;
}

/**
 * Delete entries in expiry order: all of them up to max, while usage is above
 * target (evicting), or while they are expired at now (pruning).
 * @return number deleted or <0.
 */
static int expire_walk(struct cache *c, unsigned max, uint64_t target, bool prune, uint32_t now)
{
	struct cache_db *db = cache_db(c);
	if (!db)
		return -EIO;
	int64_t usage = cache_usage(c);
	if (usage < 0)
		return (int)usage;
	unsigned total = 0;
	while (total < max && (prune || (uint64_t)usage > target)) {
		DB_TXN *txn;
		int ret = db->env->txn_begin(db->env, NULL, &txn, 0);
		if (ret != 0)
			return db_err(c, db, ret);
		DBC *cur;
		if ((ret = db->exp->cursor(db->exp, txn, &cur, 0)) != 0) {
			txn->abort(txn);
			return db_err(c, db, ret);
		}
		uint8_t kbuf[4 + CACHE_KEY_MAX], vbuf[4];
		DBT k = { .data = kbuf, .ulen = sizeof(kbuf), .flags = DB_DBT_USERMEM };
		DBT d = { .data = vbuf, .ulen = sizeof(vbuf), .flags = DB_DBT_USERMEM };
		int64_t delta = 0;
		unsigned n = 0;
		bool empty = false, stop = false;
		while (n < BATCH && total + n < max) {
			ret = cur->get(cur, &k, &d, DB_NEXT | DB_RMW);
			if (ret == DB_NOTFOUND) {
				ret = 0;
				empty = true;
				break;
			}
			if (ret != 0)
				break;
			if (k.size < 5 || (prune && be32_get(kbuf) > now) ||
			    (!prune && (uint64_t)(usage + delta) <= target)) {
				stop = true;
				break;
			}
			DBT pk = { .data = kbuf + 4, .size = k.size - 4 };
			ret = db->rr->del(db->rr, txn, &pk, 0);
			if (ret != 0 && ret != DB_NOTFOUND)
				break;
			if ((ret = cur->del(cur, 0)) != 0)
				break;
			delta -= d.size == 4 ? be32_get(vbuf) : COST_OVERHEAD;
			++n;
		}
		cur->close(cur);
		if (ret == 0)
			ret = bytes_add(db, txn, delta, empty && n == 0 && !prune, NULL);
		if (ret == 0)
			ret = txn->commit(txn, 0);
		else
			txn->abort(txn);
		if (ret != 0)
			return db_err(c, db, ret);
		total += n;
		usage += delta;
		guard_progress();
		if (empty || stop || n == 0)
			break;
	}
	return (int)total;
}

static int evict_impl(struct cache *c, uint64_t target)
{
	int n = expire_walk(c, EVICT_MAX, target, false, 0);
	if (n > 0) {
		c->stats.evict += (uint64_t)n;
		kr_log_debug(cache, "evicted %d entries (soonest to expire first)", n);
	}
	return n;
}

static int prune_impl(struct cache *c, unsigned max, uint32_t now)
{
	int n = expire_walk(c, max, 0, true, now);
	if (n > 0)
		c->stats.prune += (uint64_t)n;
	return n;
}

static int64_t count_impl(struct cache *c)
{
	struct cache_db *db = cache_db(c);
	if (!db)
		return -EIO;
	DB_BTREE_STAT *sp = NULL;
	int ret = db->rr->stat(db->rr, NULL, &sp, DB_READ_COMMITTED);
	if (ret != 0)
		return db_err(c, db, ret);
	int64_t n = sp->bt_ndata;
	free(sp);
	return n;
}

/* --- the entry points, under the wedge guard ---
 * An operation that found the environment in need of recovery (or wedged) is
 * tried once more on the reopened one. */

/** Did the last operation fail because the handles must be reopened? */
static bool retry_worth(struct cache *c, int64_t ret)
{
	return ret == -EIO && !guard_depth && (!c->db || c->db->broken);
}

#define GUARDED_RETRY(c, call) ({ \
	int64_t rr_ = GUARDED(c, call); \
	if (retry_worth(c, rr_)) \
		rr_ = GUARDED(c, call); \
	rr_; })

int cache_get(struct cache *c, const uint8_t *key, size_t klen, kr_mm_t *mm,
	      uint8_t **val, size_t *len)
{
	return (int)GUARDED_RETRY(c, get_impl(c, key, klen, mm, val, len));
}

int64_t cache_usage(struct cache *c)
{
	return GUARDED_RETRY(c, usage_impl(c));
}

int cache_put(struct cache *c, struct cache_write *w, unsigned count, uint32_t now)
{
	return (int)GUARDED_RETRY(c, put_impl(c, w, count, now));
}

int cache_scan(struct cache *c, const uint8_t *prefix, size_t plen, cache_scan_cb cb, void *arg)
{
	return (int)GUARDED(c, scan_impl(c, prefix, plen, cb, arg));
}

int cache_delete_range(struct cache *c, const uint8_t *prefix, size_t plen,
		       bool (*keep)(const uint8_t *key, size_t klen, void *arg), void *arg)
{
	return (int)GUARDED(c, delete_range_impl(c, prefix, plen, keep, arg));
}

int cache_evict(struct cache *c, uint64_t target)
{
	return (int)GUARDED(c, evict_impl(c, target));
}

int cache_prune(struct cache *c, unsigned max, uint32_t now)
{
	return (int)GUARDED(c, prune_impl(c, max, now));
}

int64_t cache_count(struct cache *c)
{
	return GUARDED_RETRY(c, count_impl(c));
}

int cache_probe(struct cache *c, const uint8_t *prefix, size_t plen, const uint8_t *key,
		size_t klen, kr_mm_t *mm, uint8_t **val, size_t *len)
{
	return (int)GUARDED_RETRY(c, probe_impl(c, prefix, plen, key, klen, mm, val, len));
}

int cache_floor(struct cache *c, const uint8_t *prefix, size_t plen, const uint8_t *key, size_t klen,
		kr_mm_t *mm, uint8_t *found, size_t *flen, uint8_t **val, size_t *len)
{
	return (int)GUARDED_RETRY(c, floor_impl(c, prefix, plen, key, klen, mm, found, flen, val, len));
}
