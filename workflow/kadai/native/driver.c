/* Runs one kernel of matmul.c once on random n×n matrices: `driver <kernel> <n>`.
 * Used under valgrind's cachegrind to count cache misses deterministically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mm_ijk(int, const double *, const double *, double *);
void mm_ikj(int, const double *, const double *, double *);
void mm_blocked(int, const double *, const double *, double *);
int mm_packed(int, const double *, const double *, double *);

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s ijk|ikj|blocked|packed N\n", argv[0]); return 2; }
    int n = atoi(argv[2]);
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n),
           *c = malloc(sizeof(double) * n * n);
    if (!a || !b || !c) return 1;
    for (long i = 0; i < (long)n * n; i++) { a[i] = (double)(i % 7) / 7.0; b[i] = (double)(i % 5) / 5.0; }
    if (!strcmp(argv[1], "ijk")) mm_ijk(n, a, b, c);
    else if (!strcmp(argv[1], "ikj")) mm_ikj(n, a, b, c);
    else if (!strcmp(argv[1], "blocked")) mm_blocked(n, a, b, c);
    else if (!strcmp(argv[1], "packed")) mm_packed(n, a, b, c);
    else { fprintf(stderr, "unknown kernel %s\n", argv[1]); return 2; }
    printf("%.6f\n", c[(long)n * n / 2]);
    free(a); free(b); free(c);
    return 0;
}
