/* secret.c - secrets from environment variables or owner-only files. */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"

static char *dup_secret(const char *s, size_t n)
{
	char *p;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static int read_file(const struct config *cfg, const char *section,
		     const char *key, const char *path, char **out,
		     struct bs_err *err)
{
	char buf[SECRET_MAX_BYTES + 1];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, section, key),
				 "[%s] %s: cannot open '%s': %s", section, key,
				 path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, section, key),
				 "[%s] %s: '%s' is not a regular file", section,
				 key, path);
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, section, key),
				 "[%s] %s: '%s' must be owned by you and readable "
				 "only by you (chmod 600 '%s')", section, key,
				 path, path);
	}
	while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0 || len > SECRET_MAX_BYTES) {
		memset(buf, 0, sizeof(buf));
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, section, key),
				 "[%s] %s: cannot read '%s' (or larger than %d bytes)",
				 section, key, path, SECRET_MAX_BYTES);
	}
	*out = dup_secret(buf, len);
	memset(buf, 0, sizeof(buf));
	if (!*out)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	return 1;
}

int secret_read(const struct config *cfg, const char *section,
		const char *name, char **out, struct bs_err *err)
{
	char envkey[128], filekey[128], *path;
	const char *var, *val;
	int r;

	*out = NULL;
	snprintf(envkey, sizeof(envkey), "%s_env", name);
	snprintf(filekey, sizeof(filekey), "%s_file", name);
	var = config_get(cfg, section, envkey);
	if (var && *var) {
		val = getenv(var);
		if (!val || !*val)
			return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
					 config_line(cfg, section, envkey),
					 "[%s] %s: environment variable '%s' is not set",
					 section, envkey, var);
		*out = dup_secret(val, strlen(val));
		if (!*out)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		return 1;
	}
	if (!config_get(cfg, section, filekey))
		return 0;
	path = config_get_path(cfg, section, filekey);
	if (!path)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	r = read_file(cfg, section, filekey, path, out, err);
	free(path);
	return r;
}

void secret_free(char *secret)
{
	volatile char *p = secret;

	if (!secret)
		return;
	while (*p)
		*p++ = '\0';
	free(secret);
}
