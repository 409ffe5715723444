/* msort.c - an interruptible sort: sorted chunks, then merges (see
 * msort.h). */
#include "msort.h"

#include <stdlib.h>
#include <string.h>

static int asked(const volatile sig_atomic_t *stop)
{
	return stop && *stop;
}

/* One item from s to d: a pointer-sized copy the compiler inlines for the
 * common case (stage.c sorts pointers). */
static void copy_item(char *d, const char *s, size_t size)
{
	if (size == sizeof(void *))
		memcpy(d, s, sizeof(void *));
	else
		memcpy(d, s, size);
}

/* Merges the sorted runs a[0..na) and b[0..nb) into out; 1 when told to
 * stop meanwhile. */
static int merge(char *out, const char *a, size_t na, const char *b,
		 size_t nb, size_t size, int (*cmp)(const void *, const void *),
		 const volatile sig_atomic_t *stop)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		if (cmp(a + i * size, b + j * size) <= 0)
			copy_item(out + k * size, a + i++ * size, size);
		else
			copy_item(out + k * size, b + j++ * size, size);
		if (++k % MSORT_CHUNK == 0 && asked(stop))
			return 1;
	}
	memcpy(out + k * size, a + i * size, (na - i) * size);
	k += na - i;
	memcpy(out + k * size, b + j * size, (nb - j) * size);
	return 0;
}

int msort(void *base, size_t n, size_t size,
	  int (*cmp)(const void *, const void *),
	  const volatile sig_atomic_t *stop)
{
	char *src = base, *dst, *tmp;
	size_t lo, width;

	if (!stop || n <= MSORT_CHUNK) {
		qsort(base, n, size, cmp);
		return asked(stop);
	}
	tmp = malloc(n * size);
	if (!tmp)
		return -1;
	dst = tmp;
	for (lo = 0; lo < n; lo += MSORT_CHUNK) {
		qsort(src + lo * size, n - lo < MSORT_CHUNK ? n - lo :
		      MSORT_CHUNK, size, cmp);
		if (asked(stop))
			goto stopped;
	}
	for (width = MSORT_CHUNK; width < n; width *= 2) {
		char *t;

		for (lo = 0; lo < n; lo += 2 * width) {
			size_t na = n - lo < width ? n - lo : width;
			size_t nb = n - lo - na < width ? n - lo - na : width;

			if (merge(dst + lo * size, src + lo * size, na,
				  src + (lo + na) * size, nb, size, cmp, stop))
				goto stopped;
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != base)
		memcpy(base, src, n * size);
	free(tmp);
	return 0;
stopped:
	/* base holds every item once unless the last pass went to tmp */
	if (src != base)
		memcpy(base, src, n * size);
	free(tmp);
	return 1;
}
