/*
 * tropical._cregions: the exact region count of tropical.regions.count_regions, compiled (GMP integers).
 *
 * This is the same algorithm as tropical.regions._Enumerator + _Merger, step for step, on the same exact
 * integers: layer-wise hyperplane insertion by the double-description method, depth-first, with every
 * generator carrying the values of the current layer's cutting neurons (exact, or a certified sign whose exact
 * value is computed when it is first needed); the linear-region merge
 * compares each minus-side region's facet on a membrane with the plus-side regions of that membrane that
 * carry the same exact affine map.  Every decision is the sign of an exact integer: computed with GMP, or
 * read off a double-precision value whose rigorous error bound it exceeds (the certified filter below; exact
 * zeros and close calls always go to GMP).  The rare merge pairs the cheap tests cannot decide are handed back
 * to Python (an exact double-description clip, the same function the reference path uses).  What is added to
 * the reference algorithm (lazy content reduction with a Pluecker hint, exact cross products whose division
 * needs no check, sign-only values of neurons that no longer cut, exact values on demand, the incremental
 * composition, the opposite-facet shortcut of the merge) changes no count.
 *
 * The Python reference path stays the specification: the test suite checks that both give identical counts.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <gmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <math.h>

/* ------------------------------------------------------------------------------------ memory helpers */
static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "tropical._cregions: out of memory\n");
        abort();
    }
    return p;
}
static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "tropical._cregions: out of memory\n");
        abort();
    }
    return q;
}
static void *xcalloc(size_t a, size_t b) {
    void *p = calloc(a ? a : 1, b ? b : 1);
    if (!p) {
        fprintf(stderr, "tropical._cregions: out of memory\n");
        abort();
    }
    return p;
}

/* A reference-counted vector of exact integers (generators, inequalities, matrix rows, map keys). */
typedef struct Vec {
    int rc;
    int len;
    int dirty;  /* not yet reduced (see reduce) */
    int lag;    /* 0: primitive; else the number of generations since an ancestor was made primitive */
    uint64_t smask; /* bit j: value entry n + 1 + j holds only the sign of the exact value (see dd_split) */
    uint64_t umask; /* bit j: value entry n + 1 + j holds the certified sign of a value not yet computed exactly
                       (see exact_value) */
    mpz_t hint; /* a likely divisor of a dirty generator's content (0: none) */
    struct Vec *hrow, *hat; /* the hint not yet computed: |hrow . hat| (see reduce), or NULL */
    int dflush; /* -1: no double approximation yet; else the flushed count of d (see vec_doubles) */
    double *d;  /* the float filter's approximation of the coordinates (room after v, see vec_dlen) */
    int exact;  /* the coordinates are +-(hint, when dirty) times the cross product of the rows in basis (see
                   reduce) */
    uint64_t *basis; /* the inequality bit indices of those rows (room after d, see vec_bw) */
    mpz_t v[];
} Vec;

/* Freed vectors are kept on per-length free lists with their GMP limbs allocated, so that the next vector of
   that length costs no malloc (the run is single-threaded: it holds the GIL throughout). */
#define FREE_LENS 512
#define FREE_CAP 4096
static Vec **free_lists[FREE_LENS];
static int free_n[FREE_LENS];
/* the doubles a vector has room for: the run's n + 1 coordinates when the float filter is on, else none (set at
   the start of a run, before its first vector; the free lists are emptied at its end) */
static int vec_dlen;
/* the 64-bit words of a basis bitset: the run's bitset words when exact cross products are tracked, else 0 */
static int vec_bw;
/* what the last run did with its generators (stats(); the tests check that each path is exercised) */
static struct {
    long made, made_exact, reduced_exact, reduced_checked, reduced_gcd, seeds_tried, seeded;
} run_stats;

/* a vector whose entries the caller sets (from a free list they hold stale values) */
static Vec *vec_raw(int len) {
    Vec *x;
    if (len < FREE_LENS && free_n[len]) {
        x = free_lists[len][--free_n[len]];
        mpz_set_ui(x->hint, 0);
    } else {
        int dl = len < vec_dlen ? len : vec_dlen;
        x = xmalloc(sizeof(Vec) + sizeof(mpz_t) * (size_t)len + sizeof(double) * (size_t)dl +
                    sizeof(uint64_t) * (size_t)vec_bw);
        x->d = (double *)(void *)(x->v + len);
        x->basis = (uint64_t *)(void *)(x->d + dl);
        x->len = len;
        mpz_init(x->hint);
        for (int i = 0; i < len; i++) mpz_init(x->v[i]);
    }
    x->rc = 1;
    x->dirty = 0;
    x->lag = 0;
    x->smask = 0;
    x->umask = 0;
    x->dflush = -1;
    x->exact = 0;
    x->hrow = x->hat = NULL;
    return x;
}

/* a zero vector */
static Vec *vec_new(int len) {
    int pooled = len < FREE_LENS && free_n[len]; /* a fresh vector is zero already (mpz_init) */
    Vec *x = vec_raw(len);
    if (pooled)
        for (int i = 0; i < len; i++) mpz_set_ui(x->v[i], 0);
    return x;
}
static inline Vec *vec_ref(Vec *x) {
    x->rc++;
    return x;
}
static void vec_unref(Vec *x) {
    if (x && --x->rc == 0) {
        int len = x->len;
        if (x->hat) { /* (a reduced generator: it holds no hint rows itself) */
            vec_unref(x->hrow);
            vec_unref(x->hat);
            x->hrow = x->hat = NULL;
        }
        if (len < FREE_LENS && free_n[len] < FREE_CAP) {
            if (!free_lists[len]) free_lists[len] = xmalloc(sizeof(Vec *) * FREE_CAP);
            free_lists[len][free_n[len]++] = x;
            return;
        }
        for (int i = 0; i < len; i++) mpz_clear(x->v[i]);
        mpz_clear(x->hint);
        free(x);
    }
}

/* release the free lists (end of a run) */
static void vec_pool_clear(void) {
    for (int len = 0; len < FREE_LENS; len++) {
        for (int j = 0; j < free_n[len]; j++) {
            Vec *x = free_lists[len][j];
            mpz_clear(x->hint);
            for (int i = 0; i < len; i++) mpz_clear(x->v[i]);
            free(x);
        }
        free_n[len] = 0;
        free(free_lists[len]);
        free_lists[len] = NULL;
    }
}

/* ---------------------------------------------------------------------------------- the run's context */
typedef struct Ineq { /* a split inequality on a root-to-leaf path (persistent list, shared by subtrees) */
    int rc;
    struct Ineq *parent;
    Vec *h;    /* homogenized primitive row, h . (x, t) >= 0 */
    long sid;  /* split id */
    int sign;  /* +1 plus side, -1 minus side */
    int index; /* bit index of the inequality */
} Ineq;

static void ineq_unref(Ineq *q) {
    while (q && --q->rc == 0) {
        Ineq *p = q->parent;
        vec_unref(q->h);
        free(q);
        q = p;
    }
}

typedef struct Layer { /* one hidden layer's composed pre-activations inside one lineage of cells */
    int rc;
    int li;
    int width;
    Vec **M; /* width rows of n + 1 (homogenized pre-activations) */
    int ncut;
    int *cidx;      /* neuron index of cut neuron k */
    Vec **hp, **hm; /* primitive rows (both orientations) of cut neuron k: its values are taken with hp */
    double *Md;     /* ncut * np1: the filter's doubles of the rows of the cut neurons (NULL: no filter) */
    int *Mf;        /* their flush counts */
    /* the last composition of the next layer (or the output) under this layer's pattern cpat: sibling cells
       differ in a few bits, so the next one is this plus or minus those columns (see compose) */
    uint8_t *cpat;
    Vec **crows;
    int cwidth;
} Layer;

static void layer_unref(Layer *L) {
    if (L && --L->rc == 0) {
        for (int k = 0; k < L->width; k++) vec_unref(L->M[k]);
        for (int k = 0; k < L->ncut; k++) {
            vec_unref(L->hp[k]);
            vec_unref(L->hm[k]);
        }
        if (L->crows) {
            for (int k = 0; k < L->cwidth; k++) vec_unref(L->crows[k]);
            free(L->crows);
        }
        free(L->cpat);
        free(L->Md);
        free(L->Mf);
        free(L->M);
        free(L->cidx);
        free(L->hp);
        free(L->hm);
        free(L);
    }
}

typedef struct Cell {
    int ng, nl;
    Vec **gens;
    uint64_t *incs; /* ng * NW words */
    Vec **lines;
    uint64_t *active; /* NW words */
    Ineq *path;
    int nineq; /* number of inequalities on the path (domain included): the next bit index */
    Layer *lay;
    int k;
    uint8_t *pat; /* H bytes: the activation pattern so far */
} Cell;

typedef struct {
    int n, np1, NW, L, H, ndom;
    int *widths, *offsets;
    Vec ***W;  /* W[l][k]: row k of layer l (integers); l = L is the output layer */
    Vec **B;   /* B[l]: the biases of layer l */
    int *wdim; /* input width of layer l */
    Vec **dom; /* the domain's homogenized inequalities (index 0: the face at infinity) */
    mpz_t t1, t2, t3, rem;
    mpz_t *qt; /* np1 quotients (reduce) */
    mpz_t *bm; /* (BASIS_MAX - 1)^2 entries of a determinant (seed_exact), when vec_bw */
    void *sb[6]; /* scratch kept between calls (see grow): dd_split's words and ints, the path's rows
                    (path_rows); add_region's path nodes, tight generators and their doubles */
    size_t sbcap[6];
    mpz_t *V;  /* the layer start's values (Vcap entries, kept initialized: their limbs are reused, and they
                  trade limbs with the generators' entries by swaps) */
    size_t Vcap;
    /* the distinct affine maps */
    struct KeyRef *maps;
    struct Arena *arena;
    unsigned char *kbuf;
    size_t kcap;
    long *mapid;
    long mapcap, nmaps;
    /* union-find and per-region facets kept for open splits */
    int64_t *uf;
    long ufcap;
    long count, merges, splits, fallback_pairs;
    struct RF **rf;
    long rfcap;
    struct SidTab **plus;
    long pluscap;
    PyObject *fallback;
    /* reporting (tropical.parallel): the domain inequalities whose regions are reported, and the reports */
    uint8_t *touch; /* ndom flags, or NULL */
    PyObject *touching;
    size_t klen; /* length of the last key's bytes in kbuf */
} Ctx;

/* scratch buffer i of at least n bytes (dd_split and add_region each run one at a time) */
static void *grow(Ctx *C, int i, size_t n) {
    if (n > C->sbcap[i]) {
        free(C->sb[i]);
        C->sbcap[i] = n > 2 * C->sbcap[i] ? n : 2 * C->sbcap[i];
        C->sb[i] = xmalloc(C->sbcap[i]);
    }
    return C->sb[i];
}

/* ------------------------------------------------------------------------------------------ bitsets */
/* population count, inlined: built without -mpopcnt, __builtin_popcountll is a library call (about 2 % of a
   wide net's run) */
static inline int popcount64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}
static inline int bs_test(const uint64_t *b, int i) { return (int)((b[i >> 6] >> (i & 63)) & 1u); }
static inline void bs_set(uint64_t *b, int i) { b[i >> 6] |= (uint64_t)1 << (i & 63); }
static inline int bs_count(const uint64_t *b, int NW) {
    int c = 0;
    for (int w = 0; w < NW; w++) c += popcount64(b[w]);
    return c;
}

/* ----------------------------------------------------------------------------- Python <-> GMP integers */
static int py_to_mpz(PyObject *o, mpz_t z) {
    if (!PyLong_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "tropical._cregions: expected an int");
        return -1;
    }
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (!overflow) {
        mpz_set_si(z, (long)v);
        return 0;
    }
    PyObject *s = PyNumber_ToBase(o, 16);
    if (!s) return -1;
    const char *c = PyUnicode_AsUTF8(s);
    if (!c) {
        Py_DECREF(s);
        return -1;
    }
    int neg = c[0] == '-';
    int rc = mpz_set_str(z, c + (neg ? 3 : 2), 16);
    Py_DECREF(s);
    if (rc != 0) {
        PyErr_SetString(PyExc_ValueError, "tropical._cregions: could not read an int");
        return -1;
    }
    if (neg) mpz_neg(z, z);
    return 0;
}

static PyObject *mpz_to_py(const mpz_t z) {
    if (mpz_fits_slong_p(z)) return PyLong_FromLong(mpz_get_si(z));
    /* the magnitude's bytes, little-endian, then the sign */
    size_t n = (mpz_sizeinbase(z, 2) + 7) / 8;
    unsigned char stack[256];
    unsigned char *buf = n <= sizeof stack ? stack : xmalloc(n);
    size_t got = 0;
    mpz_export(buf, &got, -1, 1, 0, 0, z);
    PyObject *r = _PyLong_FromByteArray(buf, got, 1, 0);
    if (buf != stack) free(buf);
    if (r && mpz_sgn(z) < 0) {
        PyObject *neg = PyNumber_Negative(r);
        Py_DECREF(r);
        r = neg;
    }
    return r;
}

static Vec *py_to_vec(PyObject *seq, int len) {
    PyObject *f = PySequence_Fast(seq, "tropical._cregions: expected a sequence of ints");
    if (!f) return NULL;
    if (PySequence_Fast_GET_SIZE(f) != len) {
        Py_DECREF(f);
        PyErr_SetString(PyExc_ValueError, "tropical._cregions: a row has the wrong length");
        return NULL;
    }
    Vec *x = vec_new(len);
    for (int i = 0; i < len; i++) {
        if (py_to_mpz(PySequence_Fast_GET_ITEM(f, i), x->v[i]) < 0) {
            Py_DECREF(f);
            vec_unref(x);
            return NULL;
        }
    }
    Py_DECREF(f);
    return x;
}

static PyObject *vec_to_py(const Vec *x, int len) {
    PyObject *t = PyTuple_New(len);
    if (!t) return NULL;
    for (int i = 0; i < len; i++) {
        PyObject *o = mpz_to_py(x->v[i]);
        if (!o) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, o);
    }
    return t;
}

/* --------------------------------------------------------------------------------- small integer utils */
/* d = gcd of x[0..m). The content of a new generator is large and usually settled by its first two entries,
   so each further entry is first tested for divisibility (about the cost of one product), and a gcd is taken
   only when the test fails. */
static void gcd_prefix(mpz_t d, Vec *x, int m) {
    mpz_set_ui(d, 0);
    for (int i = 0; i < m; i++) {
        if (mpz_sgn(d) && mpz_divisible_p(x->v[i], d)) continue;
        mpz_gcd(d, d, x->v[i]);
        if (mpz_cmp_ui(d, 1) == 0) return;
    }
}

/* the primitive row of x[0..m) as a new vector (the zero vector stays zero) */
static Vec *primitive_row(Ctx *C, Vec *x, int m) {
    Vec *r = vec_new(m);
    gcd_prefix(C->t1, x, m);
    for (int i = 0; i < m; i++) {
        if (mpz_cmp_ui(C->t1, 1) > 0)
            mpz_divexact(r->v[i], x->v[i], C->t1);
        else
            mpz_set(r->v[i], x->v[i]);
    }
    return r;
}

/* Divide a generator by the gcd of its coordinates, in place (its carried exact values are integer linear
   functions of the coordinates, so they divide exactly; entries holding only a sign are left alone). New
   generators are reduced lazily, only when they become the parent of another one: most are never combined,
   and the gcd is the dearest operation of the step. A positive multiple of a generator is the same ray, so
   signs, incidences and counts do not depend on when this happens.

   The content is large and mostly predictable. For generators p, q adjacent across the new hyperplane h,
   write w_a, w_b for the Cramer vectors (maximal minors) of their tight rows S + a and S + b, so that
   p = w_a / alpha, q = w_b / beta are primitive. The three-term Pluecker relation in the plane orthogonal to S,
       (h . w_b) w_a - (h . w_a) w_b = det[S, a, b] w_h,   det[S, a, b] = b . w_a,
   gives  e = (h . p) q - (h . q) p = +-(b . p) w_h / beta: the integer |b . p| usually divides e. So each new
   generator records D = |b . p| (b: a facet tight at q and not at p) as a hint; reduce divides by D first when
   it divides every coordinate (checked exactly), and the gcd that remains is taken on much smaller numbers.
   The quotient's remaining content is small (a few bits on average), so it is left in place and the gcd is
   skipped, except every LAG_MAX generations along a line of descent (the lag counts them), which bounds the
   growth. None of this changes a sign: any positive multiple is the same ray.

   Exact cross products. For m = n + 1 coordinates and rows r_1 .. r_{m-1}, write w_R for their cross product
   (w_R . x = det[r_1; ..; r_{m-1}; x]). If q = +-w_{S+b} exactly (S: m - 2 rows) and p is any vector tight on
   every row of S, then for every row r, in the plane dual to ker S (Grassmann's identity for three vectors),
       (h . p) det[S; b; r] - det[S; b; h] (r . p) = (b . p) det[S; h; r],
   i.e. e = (h . p) q - (h . q) p = +-(b . p) w_{S+h}: the division by D = |b . p| is exact, and the quotient is
   again an exact cross product, of S + h. So a generator records, when it can, the rows of its cross product
   (exact, basis): dd_split takes b from the basis of q when all of the basis but b is tight at p (or the
   same with p and q exchanged), and reduce then divides by D with an exact division (no remainder to check,
   about half the cost) and never needs a gcd. Generators seed this at a layer start (seed_exact): a simple
   vertex of a pointed cell is replaced by the cross product of its m - 1 tight facets, a positive multiple of
   it. Degenerate vertices, cells with lines and m > BASIS_MAX keep the checked hint above. */
#define LAG_MAX 32
#define BASIS_MAX 8

/* out = a . b over the first m entries (out must not be one of those entries) */
static void dot(mpz_t out, const Vec *a, const Vec *b, int m) {
    mpz_set_ui(out, 0);
    for (int i = 0; i < m; i++) mpz_addmul(out, a->v[i], b->v[i]);
}

/* whether entry i of x holds only a sign (see dd_split and exact_value) */
static inline int is_sign_only(const Vec *x, int i, int np1) {
    int j = i - np1;
    return j >= 0 && j < 64 && ((x->smask | x->umask) >> j & 1);
}

static void reduce(Ctx *C, Vec *x) {
    int np1 = C->np1;
    if (x->hat) { /* the hint, computed now: about half of the new generators never become a parent */
        dot(x->hint, x->hrow, x->hat, np1);
        mpz_abs(x->hint, x->hint);
        vec_unref(x->hrow);
        vec_unref(x->hat);
        x->hrow = x->hat = NULL;
        if (!mpz_sgn(x->hint)) x->exact = 0; /* (never for an exact one: b . p = 0 would make p parallel to q) */
    }
    if (x->exact && mpz_sgn(x->hint) > 0) { /* D divides exactly (see above) */
        run_stats.reduced_exact++;
        for (int i = 0; i < x->len; i++)
            if (!is_sign_only(x, i, np1)) mpz_divexact(x->v[i], x->v[i], x->hint);
        mpz_set_ui(x->hint, 0);
        x->dirty = 0;
        x->lag = 0;
        return;
    }
    if (mpz_sgn(x->hint) > 0) {
        run_stats.reduced_checked++;
        /* one division per coordinate gives the quotient and the exact divisibility check together */
        int ok = 1;
        for (int i = 0; i < np1 && ok; i++) {
            mpz_tdiv_qr(C->qt[i], C->rem, x->v[i], x->hint);
            if (mpz_sgn(C->rem)) ok = 0;
        }
        if (ok) {
            for (int i = 0; i < np1; i++) mpz_swap(x->v[i], C->qt[i]);
            for (int i = np1; i < x->len; i++)
                if (!is_sign_only(x, i, np1)) mpz_divexact(x->v[i], x->v[i], x->hint);
        }
        mpz_set_ui(x->hint, 0);
        if (ok && x->lag < LAG_MAX) {
            x->dirty = 0;
            return;
        }
    }
    run_stats.reduced_gcd++;
    gcd_prefix(C->t1, x, np1);
    if (mpz_cmp_ui(C->t1, 1) > 0)
        for (int i = 0; i < x->len; i++)
            if (!is_sign_only(x, i, np1)) mpz_divexact(x->v[i], x->v[i], C->t1);
    x->dirty = 0;
    x->lag = 0;
}

/* sign of a . b over the first m entries */
static int dot_sign(Ctx *C, Vec *a, Vec *b, int m) {
    dot(C->t3, a, b, m);
    return mpz_sgn(C->t3);
}

/* ----------------------------------------------------------------------------- distinct affine maps */
/* The exact key of an affine map is kept as bytes in an arena (per entry: the signed limb count as an int32,
   then the limbs), canonical because GMP integers are normalized: equal maps iff equal bytes. The table
   holds (pointer, length, hash); ids are assigned in order of first appearance. */
typedef struct KeyRef {
    const unsigned char *p;
    uint32_t len;
    uint64_t hash;
} KeyRef;

#define ARENA_CHUNK (1 << 20)

typedef struct Arena {
    struct Arena *next;
    size_t used, cap;
    unsigned char data[];
} Arena;

static unsigned char *arena_alloc(Arena **a, size_t n) {
    if (!*a || (*a)->used + n > (*a)->cap) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        Arena *b = xmalloc(sizeof(Arena) + cap);
        b->next = *a;
        b->used = 0;
        b->cap = cap;
        *a = b;
    }
    unsigned char *p = (*a)->data + (*a)->used;
    (*a)->used += n;
    return p;
}

static void arena_free(Arena *a) {
    while (a) {
        Arena *b = a->next;
        free(a);
        a = b;
    }
}

/* the key's bytes in the scratch buffer C->kbuf; returns the length */
static size_t key_bytes(Ctx *C, const Vec *x);

static uint64_t bytes_hash(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

/* the id of the map key (the key is released) */
static long map_id(Ctx *C, Vec *key) {
    size_t len = key_bytes(C, key);
    C->klen = len;
    vec_unref(key);
    uint64_t hash = bytes_hash(C->kbuf, len);
    if (2 * (C->nmaps + 1) > C->mapcap) {
        long cap = C->mapcap ? 2 * C->mapcap : 1024;
        KeyRef *maps = xcalloc((size_t)cap, sizeof(KeyRef));
        long *ids = xmalloc(sizeof(long) * (size_t)cap);
        for (long i = 0; i < C->mapcap; i++) {
            if (!C->maps[i].p) continue;
            uint64_t h = C->maps[i].hash & (uint64_t)(cap - 1);
            while (maps[h].p) h = (h + 1) & (uint64_t)(cap - 1);
            maps[h] = C->maps[i];
            ids[h] = C->mapid[i];
        }
        free(C->maps);
        free(C->mapid);
        C->maps = maps;
        C->mapid = ids;
        C->mapcap = cap;
    }
    uint64_t h = hash & (uint64_t)(C->mapcap - 1);
    while (C->maps[h].p) {
        if (C->maps[h].hash == hash && C->maps[h].len == len && memcmp(C->maps[h].p, C->kbuf, len) == 0)
            return C->mapid[h];
        h = (h + 1) & (uint64_t)(C->mapcap - 1);
    }
    unsigned char *p = arena_alloc(&C->arena, len);
    memcpy(p, C->kbuf, len);
    C->maps[h].p = p;
    C->maps[h].len = (uint32_t)len;
    C->maps[h].hash = hash;
    C->mapid[h] = C->nmaps;
    return C->nmaps++;
}

static size_t key_bytes(Ctx *C, const Vec *x) {
    size_t need = 0;
    for (int i = 0; i < x->len; i++) need += 4 + 8 * mpz_size(x->v[i]);
    if (need > C->kcap) {
        C->kcap = 2 * need;
        C->kbuf = xrealloc(C->kbuf, C->kcap);
    }
    unsigned char *p = C->kbuf;
    for (int i = 0; i < x->len; i++) {
        int32_t sz = (int32_t)x->v[i]->_mp_size;
        memcpy(p, &sz, 4);
        p += 4;
        size_t m = mpz_size(x->v[i]);
        for (size_t j = 0; j < m; j++) {
            uint64_t limb = (uint64_t)mpz_getlimbn(x->v[i], (mp_size_t)j);
            memcpy(p, &limb, 8);
            p += 8;
        }
    }
    return (size_t)(p - C->kbuf);
}

/* ------------------------------------------------------------------------------------- union-find */
static void uf_add(Ctx *C) {
    if (C->count >= C->ufcap) {
        C->ufcap = C->ufcap ? 2 * C->ufcap : 4096;
        C->uf = xrealloc(C->uf, sizeof(int64_t) * (size_t)C->ufcap);
        C->rf = xrealloc(C->rf, sizeof(struct RF *) * (size_t)C->ufcap);
    }
    C->uf[C->count] = C->count;
    C->rf[C->count] = NULL;
}
static int64_t uf_find(Ctx *C, int64_t a) {
    int64_t *p = C->uf;
    while (p[a] != a) {
        p[a] = p[p[a]];
        a = p[a];
    }
    return a;
}
static void uf_union(Ctx *C, int64_t a, int64_t b) {
    int64_t ra = uf_find(C, a), rb = uf_find(C, b);
    if (ra == rb) return;
    if (ra < rb)
        C->uf[rb] = ra;
    else
        C->uf[ra] = rb;
    C->merges++;
}

/* ---------------------------------------------------------------- plus-side lists of open splits */
typedef struct RF { /* a region's facets (kept while an open split lists the region) */
    int refs;
    int nf;
    Vec **rows;
    long *sids;  /* membrane split id of each facet, -1 for the domain's */
    double *fd;  /* the rows' scaled double approximations for the float filter (made on first use) */
    int *fflush; /* their flushed-entry counts */
} RF;

static void rf_free(RF *r) {
    for (int i = 0; i < r->nf; i++) vec_unref(r->rows[i]);
    free(r->rows);
    free(r->sids);
    free(r->fd);
    free(r->fflush);
    free(r);
}

typedef struct {
    int n, cap;
    int64_t *a;
} IList;

typedef struct SidTab { /* map id -> list of plus-side regions, for one split */
    long cap, used;
    long *mids; /* -1: empty */
    IList *lists;
} SidTab;

static void sidtab_free(SidTab *t) {
    for (long i = 0; i < t->cap; i++) free(t->lists[i].a);
    free(t->mids);
    free(t->lists);
    free(t);
}

static SidTab *sidtab_new(long cap) {
    SidTab *t = xmalloc(sizeof(SidTab));
    t->cap = cap;
    t->used = 0;
    t->mids = xmalloc(sizeof(long) * (size_t)cap);
    for (long i = 0; i < cap; i++) t->mids[i] = -1;
    t->lists = xcalloc((size_t)cap, sizeof(IList));
    return t;
}

static inline uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static IList *sidtab_get(SidTab *t, long mid, int create) {
    uint64_t h = mix((uint64_t)mid) & (uint64_t)(t->cap - 1);
    while (t->mids[h] != -1) {
        if (t->mids[h] == mid) return &t->lists[h];
        h = (h + 1) & (uint64_t)(t->cap - 1);
    }
    if (!create) return NULL;
    t->mids[h] = mid;
    t->used++;
    return &t->lists[h];
}

static SidTab *sidtab_grow(SidTab *t) {
    SidTab *u = sidtab_new(2 * t->cap);
    for (long i = 0; i < t->cap; i++) {
        if (t->mids[i] == -1) continue;
        IList *dst = sidtab_get(u, t->mids[i], 1);
        *dst = t->lists[i];
        t->lists[i].a = NULL;
    }
    sidtab_free(t);
    return u;
}

static void plus_add(Ctx *C, long sid, long mid, int64_t region) {
    if (sid >= C->pluscap) {
        long cap = C->pluscap ? C->pluscap : 1024;
        while (cap <= sid) cap *= 2;
        C->plus = xrealloc(C->plus, sizeof(SidTab *) * (size_t)cap);
        for (long i = C->pluscap; i < cap; i++) C->plus[i] = NULL;
        C->pluscap = cap;
    }
    SidTab *t = C->plus[sid];
    if (!t) t = C->plus[sid] = sidtab_new(8);
    if (2 * (t->used + 1) > t->cap) t = C->plus[sid] = sidtab_grow(t);
    IList *l = sidtab_get(t, mid, 1);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 2;
        l->a = xrealloc(l->a, sizeof(int64_t) * (size_t)l->cap);
    }
    l->a[l->n++] = region;
}

static void release_sid(Ctx *C, long sid) {
    if (sid >= C->pluscap || !C->plus[sid]) return;
    SidTab *t = C->plus[sid];
    for (long i = 0; i < t->cap; i++) {
        if (t->mids[i] == -1) continue;
        IList *l = &t->lists[i];
        for (int j = 0; j < l->n; j++) {
            RF *r = C->rf[l->a[j]];
            if (--r->refs == 0) {
                rf_free(r);
                C->rf[l->a[j]] = NULL;
            }
        }
    }
    sidtab_free(t);
    C->plus[sid] = NULL;
}

/* ------------------------------------------------------------------------------------- the merge */
/* the cheap exact test: 1 the facet lies in region r (membrane facet left out), 0 beyond one of its facets,
   -1 undecided */
#define FILTER_MAX 64
static int to_doubles(Vec *x, int m, double *out);

/* The filter's doubles of x's first m = n + 1 entries (the coordinates), computed once per vector. They stay
   valid when reduce divides the coordinates by a positive content: the filter's bound (see to_doubles) holds
   for any positive scale of the exact vector, not only a power of two. Only for m <= FILTER_MAX. */
static const double *vec_doubles(Vec *x, int m, int *flush) {
    if (x->dflush < 0) x->dflush = to_doubles(x, m, x->d);
    *flush = x->dflush;
    return x->d;
}
static int filtered_sign(const double *a, int af, const double *x, int xf, int m);

/* the sign of h . g: the certified float filter when both approximations are given, else (or when it cannot
   decide) the exact integers */
static inline int sign_of(Ctx *C, Vec *h, const double *hd, int hf, Vec *g, const double *gd, int gf) {
    if (hd && gd) {
        int s = filtered_sign(hd, hf, gd, gf, C->np1);
        if (s) return s;
    }
    return dot_sign(C, h, g, C->np1);
}

/* whether a = -b, or a = b when same (exact) */
static int rows_match(const Vec *a, const Vec *b, int np1, int same) {
    for (int i = 0; i < np1; i++) {
        if (mpz_cmpabs(a->v[i], b->v[i]) != 0) return 0;
        if (same ? mpz_sgn(a->v[i]) != mpz_sgn(b->v[i]) : mpz_sgn(a->v[i]) != -mpz_sgn(b->v[i])) return 0;
    }
    return 1;
}

/* The combinatorial shortcut of the merge test: regions r (plus side of membrane sid) and mine (minus side)
   cannot share a facet on the membrane when some hyperplane h other than the membrane's bounds them from
   opposite sides (h >= 0 valid on r, -h >= 0 on mine): their closures meet inside h = 0, whose intersection
   with the membrane has dimension n - 2. */
static int opposite_facets(Ctx *C, RF *r, RF *mine, long sid) {
    int np1 = C->np1;
    Vec *memb = NULL;
    for (int f = 0; f < r->nf; f++)
        if (r->sids[f] == sid) memb = r->rows[f];
    for (int f = r->nf - 1; f >= 0; f--) {
        if (r->sids[f] <= sid) continue; /* only splits after the membrane's can differ */
        Vec *h = r->rows[f];
        if (memb && (rows_match(h, memb, np1, 1) || rows_match(h, memb, np1, 0))) continue;
        for (int g = mine->nf - 1; g >= 0; g--) {
            if (mine->sids[g] <= sid) continue;
            if (rows_match(h, mine->rows[g], np1, 0)) return 1;
        }
    }
    return 0;
}

/* the cheap exact test: 1 the facet lies in region r (membrane facet left out), 0 beyond one of its facets,
   -1 undecided. td/tf: the tight generators' double approximations (NULL: exact only); mine: the minus
   region's facets. */
static int relation(Ctx *C, Vec **tight, const double *td, const int *tf, int nt, Vec **lines, int nl, RF *r,
                    RF *mine, long sid) {
    int inside = 1;
    int np1 = C->np1;
    if (opposite_facets(C, r, mine, sid)) return 0;
    if (td && !r->fd && r->nf) {
        r->fd = xmalloc(sizeof(double) * (size_t)r->nf * (size_t)np1);
        r->fflush = xmalloc(sizeof(int) * (size_t)r->nf);
        for (int f = 0; f < r->nf; f++)
            memcpy(r->fd + (size_t)f * np1, vec_doubles(r->rows[f], np1, &r->fflush[f]),
                   sizeof(double) * (size_t)np1);
    }
    /* deepest facets first: the ones that separate two regions split apart at sid come after it on the path
       (the shared ancestors' facets hold every tight generator on their positive side) */
    for (int f = r->nf - 1; f >= 0; f--) {
        if (r->sids[f] == sid) continue;
        Vec *h = r->rows[f];
        const double *hd = td ? r->fd + (size_t)f * np1 : NULL;
        int hf = td ? r->fflush[f] : 0;
        int pos = 0, neg = 0;
        for (int g = 0; g < nt; g++) {
            int s = sign_of(C, h, hd, hf, tight[g], td ? td + (size_t)g * np1 : NULL, td ? tf[g] : 0);
            if (s > 0) {
                pos = 1;
                if (neg) break;
            } else if (s < 0) {
                neg = 1;
                if (pos) break;
            }
        }
        for (int l = 0; l < nl && !(pos && neg); l++) {
            if (dot_sign(C, h, lines[l], np1) != 0) pos = neg = 1;
        }
        if (!pos) return 0;
        if (neg) inside = 0;
    }
    return inside ? 1 : -1;
}

static PyObject *rf_to_py(Ctx *C, RF *r, long sid) {
    PyObject *rows = PyList_New(r->nf), *memb = PyList_New(r->nf);
    if (!rows || !memb) {
        Py_XDECREF(rows);
        Py_XDECREF(memb);
        return NULL;
    }
    for (int i = 0; i < r->nf; i++) {
        PyObject *t = vec_to_py(r->rows[i], C->np1);
        if (!t) {
            Py_DECREF(rows);
            Py_DECREF(memb);
            return NULL;
        }
        PyList_SET_ITEM(rows, i, t);
        PyObject *b = r->sids[i] == sid ? Py_True : Py_False;
        Py_INCREF(b);
        PyList_SET_ITEM(memb, i, b);
    }
    PyObject *out = PyTuple_Pack(2, rows, memb);
    Py_DECREF(rows);
    Py_DECREF(memb);
    return out;
}

/* the exact double-description clip, in Python (rare): -1 on a Python error */
static int exact_adjacent(Ctx *C, RF *plus, RF *minus, long sid) {
    PyObject *a = rf_to_py(C, plus, sid);
    if (!a) return -1;
    PyObject *b = rf_to_py(C, minus, sid);
    if (!b) {
        Py_DECREF(a);
        return -1;
    }
    PyObject *r = PyObject_CallFunction(C->fallback, "iOOOO", C->n, PyTuple_GET_ITEM(a, 0), PyTuple_GET_ITEM(a, 1),
                                        PyTuple_GET_ITEM(b, 0), PyTuple_GET_ITEM(b, 1));
    Py_DECREF(a);
    Py_DECREF(b);
    if (!r) return -1;
    int v = PyObject_IsTrue(r);
    Py_DECREF(r);
    return v;
}

/* A region with a facet on a reported domain inequality (tropical.parallel): appends
   (i, key bytes, [(domain index, [tight generators' coordinates])], [facet rows], [lines' coordinates]).
   Called right after map_id, so C->kbuf holds the region's key. -1 on a Python error. */
static int report_region(Ctx *C, Cell *c, int64_t i, RF *r) {
    int NW = C->NW, np1 = C->np1;
    PyObject *on = NULL, *every = NULL, *lines = NULL, *key = NULL, *item = NULL;
    int found = 0;
    for (int b = 1; b < C->ndom; b++)
        if (C->touch[b] && bs_test(c->active, b)) found = 1;
    if (!found) return 0;
    if (!(on = PyList_New(0)) || !(every = PyList_New(r->nf)) || !(lines = PyList_New(c->nl))) goto fail;
    for (int b = 1; b < C->ndom; b++) {
        if (!(C->touch[b] && bs_test(c->active, b))) continue;
        PyObject *tight = PyList_New(0);
        if (!tight) goto fail;
        for (int g = 0; g < c->ng; g++) {
            if (!bs_test(c->incs + (size_t)g * NW, b)) continue;
            PyObject *t = vec_to_py(c->gens[g], np1);
            if (!t || PyList_Append(tight, t) < 0) {
                Py_XDECREF(t);
                Py_DECREF(tight);
                goto fail;
            }
            Py_DECREF(t);
        }
        PyObject *pair = Py_BuildValue("(iN)", b, tight);
        if (!pair || PyList_Append(on, pair) < 0) {
            Py_XDECREF(pair);
            goto fail;
        }
        Py_DECREF(pair);
    }
    for (int f = 0; f < r->nf; f++) {
        PyObject *t = vec_to_py(r->rows[f], np1);
        if (!t) goto fail;
        PyList_SET_ITEM(every, f, t);
    }
    for (int l = 0; l < c->nl; l++) {
        PyObject *t = vec_to_py(c->lines[l], np1);
        if (!t) goto fail;
        PyList_SET_ITEM(lines, l, t);
    }
    if (!(key = PyBytes_FromStringAndSize((const char *)C->kbuf, (Py_ssize_t)C->klen))) goto fail;
    if (!(item = Py_BuildValue("(LNNNN)", (long long)i, key, on, every, lines))) {
        on = every = lines = key = NULL; /* Py_BuildValue's N steals even on failure */
        goto fail;
    }
    if (PyList_Append(C->touching, item) < 0) {
        Py_DECREF(item);
        return -1;
    }
    Py_DECREF(item);
    return 0;
fail:
    Py_XDECREF(on);
    Py_XDECREF(every);
    Py_XDECREF(lines);
    Py_XDECREF(key);
    return -1;
}

/* count region i = C->count and merge it; takes ownership of key; -1 on a Python error */
static int add_region(Ctx *C, Cell *c, Vec *key) {
    int NW = C->NW;
    int64_t i = C->count;
    uf_add(C);
    C->count++;
    long mid = map_id(C, key);
    /* the facets: active bits except 0 (the face at infinity) */
    int nf = bs_count(c->active, NW) - bs_test(c->active, 0);
    RF *r = xmalloc(sizeof(RF));
    r->refs = 0;
    r->nf = 0;
    r->fd = NULL;
    r->fflush = NULL;
    r->rows = xmalloc(sizeof(Vec *) * (size_t)(nf ? nf : 1));
    r->sids = xmalloc(sizeof(long) * (size_t)(nf ? nf : 1));
    Ineq **nodes = grow(C, 3, sizeof(Ineq *) * (size_t)(nf ? nf : 1));
    int nn = 0;
    for (int b = 1; b < C->ndom; b++) {
        if (bs_test(c->active, b)) {
            r->rows[r->nf] = vec_ref(C->dom[b]);
            r->sids[r->nf++] = -1;
        }
    }
    for (Ineq *q = c->path; q; q = q->parent) {
        if (bs_test(c->active, q->index)) nodes[nn++] = q;
    }
    for (int j = nn - 1; j >= 0; j--) { /* ascending bit order, as the reference path */
        r->rows[r->nf] = vec_ref(nodes[j]->h);
        r->sids[r->nf++] = nodes[j]->sid;
    }
    C->rf[i] = r;
    if (C->touch && report_region(C, c, i, r) < 0) return -1;
    int nref = 0;
    int err = 0;
    Vec **tight = NULL;
    double *td = NULL;
    int *tf = NULL;
    for (int j = nn - 1; j >= 0 && !err; j--) {
        Ineq *q = nodes[j];
        if (q->sign > 0) {
            plus_add(C, q->sid, mid, i);
            nref++;
            continue;
        }
        if (q->sid >= C->pluscap || !C->plus[q->sid]) continue;
        IList *cands = sidtab_get(C->plus[q->sid], mid, 0);
        if (!cands || !cands->n) continue;
        if (!tight) {
            tight = grow(C, 4, (sizeof(Vec *) + sizeof(int)) * (size_t)(c->ng ? c->ng : 1));
            tf = (int *)(void *)(tight + (c->ng ? c->ng : 1));
            if (C->np1 <= FILTER_MAX)
                td = grow(C, 5, sizeof(double) * (size_t)(c->ng ? c->ng : 1) * (size_t)C->np1);
        }
        int nt = 0;
        for (int g = 0; g < c->ng; g++)
            if (bs_test(c->incs + (size_t)g * NW, q->index)) {
                if (td)
                    memcpy(td + (size_t)nt * C->np1, vec_doubles(c->gens[g], C->np1, &tf[nt]),
                           sizeof(double) * (size_t)C->np1);
                tight[nt++] = c->gens[g];
            }
        for (int m = 0; m < cands->n; m++) {
            int64_t other = cands->a[m];
            int rel = relation(C, tight, td, tf, nt, c->lines, c->nl, C->rf[other], r, q->sid);
            if (rel < 0) {
                C->fallback_pairs++;
                rel = exact_adjacent(C, C->rf[other], r, q->sid);
                if (rel < 0) {
                    err = 1;
                    break;
                }
            }
            if (rel) uf_union(C, other, i);
        }
    }
    if (nref)
        r->refs = nref;
    else {
        rf_free(r);
        C->rf[i] = NULL;
    }
    return err ? -1 : 0;
}

/* ---------------------------------------------------------------------------------- cells and layers */
static void cell_free(Cell *c) {
    for (int g = 0; g < c->ng; g++) vec_unref(c->gens[g]);
    for (int l = 0; l < c->nl; l++) vec_unref(c->lines[l]);
    free(c->gens);
    free(c->lines);
    free(c->incs);
    free(c->active);
    ineq_unref(c->path);
    layer_unref(c->lay);
    free(c->pat);
    memset(c, 0, sizeof(Cell));
}

/* the homogenized pre-activations of hidden layer li (or the output layer, li = L) under the pattern */
static Vec **compose(Ctx *C, int li, Layer *prev, const uint8_t *pat) {
    int np1 = C->np1, n = C->n;
    int width = li < C->L ? C->widths[li] : C->wdim[C->L + 1];
    Vec **rows = xmalloc(sizeof(Vec *) * (size_t)width);
    Vec **W = C->W[li];
    Vec *B = C->B[li];
    if (!prev) {
        for (int k = 0; k < width; k++) {
            Vec *r = vec_new(np1);
            for (int i = 0; i < n; i++) mpz_set(r->v[i], W[k]->v[i]);
            mpz_set(r->v[n], B->v[k]);
            rows[k] = r;
        }
        return rows;
    }
    const uint8_t *bits = pat + C->offsets[prev->li];
    int pw = prev->width, on = 0, diff = 0;
    for (int j = 0; j < pw; j++) {
        on += bits[j] != 0;
        if (prev->crows) diff += (bits[j] != 0) != (prev->cpat[j] != 0);
    }
    /* the rows are sum over active neurons j of W[k][j] M[j], plus the bias: from the cached composition, only
       the columns whose bit differs are added or subtracted (exact integer updates, the same sum) */
    int incremental = prev->crows && diff < on;
    for (int k = 0; k < width; k++) {
        Vec *r = incremental ? vec_raw(np1) : vec_new(np1); /* incremental: every entry is copied below */
        if (incremental) {
            Vec *c0 = prev->crows[k];
            for (int i = 0; i < np1; i++) mpz_set(r->v[i], c0->v[i]);
        } else {
            mpz_set(r->v[n], B->v[k]);
        }
        for (int j = 0; j < pw; j++) {
            int b = bits[j] != 0;
            if (incremental ? b == (prev->cpat[j] != 0) : !b) continue;
            if (mpz_sgn(W[k]->v[j]) == 0) continue;
            Vec *mj = prev->M[j];
            if (b)
                for (int i = 0; i < np1; i++) mpz_addmul(r->v[i], W[k]->v[j], mj->v[i]);
            else
                for (int i = 0; i < np1; i++) mpz_submul(r->v[i], W[k]->v[j], mj->v[i]);
        }
        rows[k] = r;
    }
    /* cache this composition (the rows are never modified afterwards: callers copy them) */
    if (!prev->cpat) prev->cpat = xmalloc((size_t)(pw ? pw : 1));
    memcpy(prev->cpat, bits, (size_t)pw);
    if (prev->crows) {
        for (int k = 0; k < prev->cwidth; k++) vec_unref(prev->crows[k]);
    } else {
        prev->crows = xmalloc(sizeof(Vec *) * (size_t)(width ? width : 1));
    }
    for (int k = 0; k < width; k++) prev->crows[k] = vec_ref(rows[k]);
    prev->cwidth = width;
    return rows;
}

/* ------------------------------------------------------------------------- the certified float filter
 * Most neurons of a new layer do not cut a (small) cell; their signs at the cell's generators are decided
 * here in double precision with a rigorous error bound, so that no exact value is computed for them. An
 * exact integer vector x is approximated by xd[i] = x[i] 2^-E (1 + d_i), |d_i| < 2^-52 (mpz_get_d_2exp
 * truncates; E is the largest binary exponent of x, so |xd[i]| < 1); entries below 2^-400 are flushed to
 * zero and counted. For the dot product s of two such vectors (a row and a generator) computed in double,
 *     |s - a.x 2^-(E+F)| <= c T + f 2^-399,   T = sum |ad[i] xd[i]| (in double),  c = (m + 8) 2^-52,
 * with m entries and f flushed entries (the products of kept entries are >= 2^-800: no underflow). When
 * |s| exceeds the bound, sign(s) = sign(a.x) is certified; otherwise the exact path decides. Exact zeros are
 * never certified, so degenerate positions always go the exact way. */
static int to_doubles(Vec *x, int m, double *out) {
    long e[FILTER_MAX];
    double d[FILTER_MAX];
    long E = LONG_MIN;
    int flushed = 0;
    for (int i = 0; i < m; i++) {
        if (mpz_sgn(x->v[i]) == 0) {
            d[i] = 0.0;
            e[i] = LONG_MIN;
            continue;
        }
        d[i] = mpz_get_d_2exp(&e[i], x->v[i]);
        if (e[i] > E) E = e[i];
    }
    for (int i = 0; i < m; i++) {
        if (e[i] == LONG_MIN) {
            out[i] = 0.0;
        } else if (e[i] - E < -400) {
            out[i] = 0.0;
            flushed++;
        } else { /* d[i] 2^(e[i] - E), exactly: a power of two from its bits (-400 <= e[i] - E <= 0) */
            union {
                uint64_t u;
                double f;
            } p2;
            p2.u = (uint64_t)(1023 + (e[i] - E)) << 52;
            out[i] = d[i] * p2.f;
        }
    }
    return flushed;
}

/* the certified sign of a . x (1, -1), or 0 when the filter cannot decide */
static int filtered_sign(const double *a, int af, const double *x, int xf, int m) {
    double s = 0.0, t = 0.0;
    for (int i = 0; i < m; i++) {
        double p = a[i] * x[i];
        s += p;
        t += fabs(p);
    }
    double bound = (double)(m + 8) * 0x1p-52 * t + (double)(af + xf) * 0x1p-399;
    bound *= 1.0 + 0x1p-40; /* the rounding of the bound itself */
    if (s > bound) return 1;
    if (s < -bound) return -1;
    return 0;
}

/* the split rows of cut neuron j: its primitive row (taken over) and its negation */
static void set_split_rows(Layer *L, int j, Vec *prim, int np1) {
    L->hp[j] = prim;
    L->hm[j] = vec_raw(np1); /* every entry is set here */
    for (int i = 0; i < np1; i++) mpz_neg(L->hm[j]->v[i], prim->v[i]);
}

/* the rows of the split inequalities on cell c's path, by bit index - ndom (a scratch buffer: valid until the
   next call) */
static Vec **path_rows(Ctx *C, const Cell *c) {
    int depth = c->nineq - C->ndom;
    Vec **rows = grow(C, 2, sizeof(Vec *) * (size_t)(depth ? depth : 1));
    for (Ineq *q = c->path; q; q = q->parent) rows[q->index - C->ndom] = q->h;
    return rows;
}

/* The determinant of the k x k matrix a (row-major, overwritten) into d: fraction-free elimination (Bareiss),
   every division exact. */
static void bareiss_det(mpz_t d, mpz_t *a, int k, mpz_t prev) {
    int sign = 1;
    mpz_set_ui(prev, 1);
    for (int c = 0; c < k - 1; c++) {
        int r = c;
        while (r < k && mpz_sgn(a[r * k + c]) == 0) r++;
        if (r == k) {
            mpz_set_ui(d, 0);
            return;
        }
        if (r != c) {
            for (int j = c; j < k; j++) mpz_swap(a[r * k + j], a[c * k + j]);
            sign = -sign;
        }
        for (int i = c + 1; i < k; i++) {
            for (int j = c + 1; j < k; j++) {
                mpz_mul(a[i * k + j], a[i * k + j], a[c * k + c]);
                mpz_submul(a[i * k + j], a[i * k + c], a[c * k + j]);
                mpz_divexact(a[i * k + j], a[i * k + j], prev);
            }
        }
        mpz_set(prev, a[c * k + c]);
    }
    if (sign > 0)
        mpz_set(d, a[(k - 1) * k + k - 1]);
    else
        mpz_neg(d, a[(k - 1) * k + k - 1]);
}

/* Seeding the exact cross products (see reduce): generator x of a pointed cell, with incidence bits inc, as the
   cross product w of the m - 1 rows of its tight active facets, the positive multiple of x on those rows'
   1-dimensional kernel; NULL when x is not simple there or the rows are dependent. One determinant gives
   w at a nonzero coordinate i0 of x, and w = (w[i0] / x[i0]) x, each division exact as w is an integer vector
   parallel to x. Only the coordinates are set: the layer start computes the values. */
static Vec *seed_exact(Ctx *C, Vec *x, const uint64_t *inc, const uint64_t *active, Vec **rows) {
    int m = C->np1, NW = C->NW, k = m - 1;
    int idx[BASIS_MAX];
    int cnt = 0;
    for (int w = 0; w < NW; w++) {
        uint64_t b = inc[w] & active[w];
        while (b) {
            if (cnt == k) return NULL;
            idx[cnt++] = 64 * w + __builtin_ctzll(b);
            b &= b - 1;
        }
    }
    if (cnt != k) return NULL;
    int i0 = 0;
    while (i0 < m && mpz_sgn(x->v[i0]) == 0) i0++;
    if (i0 == m) return NULL;
    for (int r = 0; r < k; r++) {
        const Vec *row = idx[r] < C->ndom ? C->dom[idx[r]] : rows[idx[r] - C->ndom];
        for (int c = 0, cc = 0; c < m; c++)
            if (c != i0) mpz_set(C->bm[r * k + cc++], row->v[c]);
    }
    bareiss_det(C->t2, C->bm, k, C->t3);
    if (mpz_sgn(C->t2) == 0) return NULL;
    mpz_abs(C->t2, C->t2);
    if (mpz_sgn(x->v[i0]) < 0) mpz_neg(C->t2, C->t2); /* w[i0], with the sign of x[i0] */
    Vec *z = vec_raw(m); /* every entry is set below */
    for (int i = 0; i < m; i++) {
        if (i == i0) {
            mpz_set(z->v[i], C->t2);
            continue;
        }
        mpz_mul(z->v[i], C->t2, x->v[i]);
        mpz_divexact(z->v[i], z->v[i], x->v[i0]);
    }
    if (x->dflush >= 0) { /* the same ray: the doubles stay valid (see vec_doubles) */
        memcpy(z->d, x->d, sizeof(double) * (size_t)m);
        z->dflush = x->dflush;
    }
    z->exact = 1;
    memset(z->basis, 0, sizeof(uint64_t) * (size_t)NW);
    for (int r = 0; r < k; r++) bs_set(z->basis, idx[r]);
    return z;
}

/* start hidden layer li in cell c: compose its pre-activations, fix the neurons that do not cut the cell
   (their bits are set in the pattern), and rebuild the generators with the values of the cutting ones */
static void start_layer(Ctx *C, Cell *c, int li) {
    int np1 = C->np1, n = C->n;
    Layer *prev = c->lay;
    Layer *L = xcalloc(1, sizeof(Layer));
    L->rc = 1;
    L->li = li;
    L->width = C->widths[li];
    L->M = compose(C, li, prev, c->pat);
    int width = L->width;
    int ng = c->ng, nl = c->nl, nv = ng + nl;
    if (vec_bw && nl == 0) { /* seed the exact cross products (see reduce) */
        Vec **rows = NULL;
        for (int g = 0; g < ng; g++) {
            if (c->gens[g]->exact) continue;
            if (!rows) rows = path_rows(C, c);
            Vec *z = seed_exact(C, c->gens[g], c->incs + (size_t)g * C->NW, c->active, rows);
            run_stats.seeds_tried++;
            if (z) {
                run_stats.seeded++;
                vec_unref(c->gens[g]);
                c->gens[g] = z;
            }
        }
    }
    L->cidx = xmalloc(sizeof(int) * (size_t)width);
    /* values of each cutting neuron at generators and lines (exact; the others are decided by the filter or
       by exact values that are dropped) */
    size_t need = (size_t)(nv ? nv : 1) * (size_t)(width ? width : 1);
    if (need > C->Vcap) {
        C->V = xrealloc(C->V, sizeof(mpz_t) * need);
        for (size_t i = C->Vcap; i < need; i++) mpz_init(C->V[i]);
        C->Vcap = need;
    }
    mpz_t *V = C->V;
    uint8_t *pat = c->pat + C->offsets[li];
    const double **gd = xmalloc(sizeof(double *) * (size_t)(nv ? nv : 1));
    int *gflush = xmalloc(sizeof(int) * (size_t)(nv ? nv : 1));
    if (np1 <= FILTER_MAX) /* the filter's doubles (no filter beyond FILTER_MAX coordinates) */
        for (int g = 0; g < nv; g++) gd[g] = vec_doubles(g < ng ? c->gens[g] : c->lines[g - ng], np1, &gflush[g]);
    double ad[FILTER_MAX];
    int8_t *gsg = xmalloc((size_t)(nv ? nv : 1)); /* the certified signs of one neuron at the generators */
    uint8_t *signs = xcalloc((size_t)width, 1);   /* cut neuron j's generator values are certified signs */
    L->hp = xcalloc((size_t)(width ? width : 1), sizeof(Vec *));
    L->hm = xcalloc((size_t)(width ? width : 1), sizeof(Vec *));
    if (np1 <= FILTER_MAX) {
        L->Md = xmalloc(sizeof(double) * (size_t)(width ? width : 1) * (size_t)np1);
        L->Mf = xmalloc(sizeof(int) * (size_t)(width ? width : 1));
    }
    for (int k = 0; k < width; k++) {
        Vec *row = L->M[k];
        int live = 0;
        for (int i = 0; i < n; i++)
            if (mpz_sgn(row->v[i])) {
                live = 1;
                break;
            }
        if (!live) {
            pat[k] = mpz_sgn(row->v[n]) > 0;
            continue;
        }
        int pos = 0, neg = 0, lcut = 0, certain = np1 <= FILTER_MAX;
        if (certain) { /* the certified float filter */
            int aflush = to_doubles(row, np1, ad);
            memcpy(L->Md + (size_t)L->ncut * np1, ad, sizeof(double) * (size_t)np1); /* kept if it cuts */
            L->Mf[L->ncut] = aflush;
            for (int g = 0; g < nv && certain; g++) {
                int sg = filtered_sign(ad, aflush, gd[g], gflush[g], np1);
                gsg[g] = (int8_t)sg;
                if (!sg)
                    certain = 0;
                else if (g >= ng)
                    lcut = 1;
                else if (sg > 0)
                    pos = 1;
                else
                    neg = 1;
            }
        }
        int cut = (pos && neg) || lcut;
        if (certain && !cut) { /* every sign certified and one-sided: the neuron is fixed in this cell */
            pat[k] = (uint8_t)pos;
            continue;
        }
        /* the values of a cut neuron are taken with its primitive row, the split's inequality: the composed
           row's content (a dozen bits or more after a layer) would otherwise ride along in every new generator */
        Vec *prim = primitive_row(C, row, np1);
        if (certain && L->ncut < 64) { /* it cuts, and its signs at the generators are certified: they are kept
                                          as signs, exact values only on the lines (see exact_value) */
            for (int g = 0; g < nv; g++) {
                mpz_t *z = &V[(size_t)g * width + k];
                if (g < ng) {
                    mpz_set_si(*z, gsg[g]);
                    continue;
                }
                dot(*z, prim, c->lines[g - ng], np1);
            }
            signs[L->ncut] = 1;
            set_split_rows(L, L->ncut, prim, np1);
            L->cidx[L->ncut++] = k;
            continue;
        }
        pos = neg = lcut = 0;
        for (int g = 0; g < nv; g++) {
            mpz_t *z = &V[(size_t)g * width + k];
            dot(*z, prim, g < ng ? c->gens[g] : c->lines[g - ng], np1);
            int sz = mpz_sgn(*z);
            if (g < ng) {
                if (sz > 0)
                    pos = 1;
                else if (sz < 0)
                    neg = 1;
            } else if (sz)
                lcut = 1;
        }
        if ((pos && neg) || lcut) {
            set_split_rows(L, L->ncut, prim, np1);
            L->cidx[L->ncut++] = k;
        } else {
            vec_unref(prim);
            pat[k] = (uint8_t)pos;
        }
    }
    free(gd);
    free(gflush);
    free(gsg);
    int len = np1 + L->ncut;
    for (int g = 0; g < nv; g++) {
        Vec *x = g < ng ? c->gens[g] : c->lines[g - ng];
        Vec *y = vec_raw(len); /* every entry is set below */
        y->dirty = x->dirty;
        y->lag = x->lag;
        if ((y->exact = x->exact)) memcpy(y->basis, x->basis, sizeof(uint64_t) * (size_t)vec_bw);
        if (x->dflush >= 0) { /* the same coordinates */
            memcpy(y->d, x->d, sizeof(double) * (size_t)np1);
            y->dflush = x->dflush;
        }
        mpz_set(y->hint, x->hint);
        if (x->hat) {
            y->hrow = vec_ref(x->hrow);
            y->hat = vec_ref(x->hat);
        }
        for (int i = 0; i < np1; i++) mpz_set(y->v[i], x->v[i]);
        for (int j = 0; j < L->ncut; j++) {
            mpz_swap(y->v[np1 + j], V[(size_t)g * width + L->cidx[j]]);
            if (g < ng && signs[j]) y->umask |= (uint64_t)1 << j;
        }
        vec_unref(x);
        if (g < ng)
            c->gens[g] = y;
        else
            c->lines[g - ng] = y;
    }
    free(signs);
    layer_unref(prev);
    c->lay = L;
    c->k = 0;
}

/* Whether the hyperplane of the neuron whose values sit at entry idx cuts the interior of cell c: values of both
   signs at its generators, or a nonzero value on a line. *pos: some generator value is positive (the neuron's
   bit when it does not cut). Signs only, so sign-only entries (see dd_split) are read correctly. */
static int cuts(const Cell *c, int idx, int *pos) {
    int p = 0, n = 0;
    for (int g = 0; g < c->ng && !(p && n); g++) {
        int sg = mpz_sgn(c->gens[g]->v[idx]);
        p |= sg > 0;
        n |= sg < 0;
    }
    *pos = p;
    if (p && n) return 1;
    for (int l = 0; l < c->nl; l++)
        if (mpz_sgn(c->lines[l]->v[idx])) return 1;
    return 0;
}

/* Values on demand. A generator's value for a cut neuron of its layer (entry i = n + 1 + j, j < 64) may hold
   only its sign (umask bit j), certified by the float filter when the generator was made: the exact value is
   needed only when the generator becomes an endpoint of an edge that neuron splits, or meets a line, and most
   never do. It is the neuron's primitive row times the generator's coordinates: a new generator's value is
   the same combination of its parents' values as its coordinates are of theirs, so this is exactly the value an
   eager update would have carried, at the generator's current scale (reduce divides it with the coordinates
   from then on). A generator is shared only by cells of one layer lineage, which read the same rows. */
static void exact_value(Ctx *C, const Layer *L, Vec *x, int i) {
    int j = i - C->np1;
    if (j < 0 || j >= 64 || !(x->umask >> j & 1)) return;
    dot(x->v[i], L->hp[j], x, C->np1);
    x->umask &= ~((uint64_t)1 << j);
}

/* al * g - s * v * ln on the coordinates and the values still needed (from index first), made primitive
   over the coordinates */
static Vec *line_comb(Ctx *C, const Layer *L, Vec *g, const mpz_t v, Vec *ln, const mpz_t al, int s, int first) {
    int np1 = C->np1, len = g->len;
    if (g->dirty) reduce(C, g); /* g may be a generator made by an earlier split (lines stay reduced) */
    for (int i = np1; i < len && g->umask; i++) exact_value(C, L, g, i); /* lines always carry exact values */
    Vec *e = vec_raw(len);
    mpz_mul_si(C->t2, v, s); /* s * v */
    for (int i = 0; i < len; i++) {
        if (i >= np1 && i < first) {
            mpz_set_ui(e->v[i], 0); /* the values of neurons already processed: never read again */
            continue;
        }
        if (is_sign_only(g, i, np1)) { /* the neuron does not cut the cell, so the line's value is 0 */
            mpz_set_si(e->v[i], mpz_sgn(g->v[i]));
            e->smask |= (uint64_t)1 << (i - np1);
            continue;
        }
        mpz_mul(e->v[i], al, g->v[i]);
        mpz_submul(e->v[i], C->t2, ln->v[i]);
    }
    gcd_prefix(C->t1, e, np1);
    if (mpz_cmp_ui(C->t1, 1) > 0)
        for (int i = 0; i < len; i++) {
            if ((i >= np1 && i < first) || is_sign_only(e, i, np1)) continue;
            mpz_divexact(e->v[i], e->v[i], C->t1);
        }
    return e;
}

typedef struct {
    int ng, nl, cap;
    Vec **gens;
    uint64_t *incs;
    Vec **lines;
    uint64_t *active;
} Side;

static void side_init(Side *s, int cap, int nl, int NW) {
    s->ng = 0;
    s->cap = cap ? cap : 1;
    s->gens = xmalloc(sizeof(Vec *) * (size_t)s->cap);
    s->incs = xmalloc(sizeof(uint64_t) * (size_t)s->cap * (size_t)NW);
    s->nl = nl;
    s->lines = xmalloc(sizeof(Vec *) * (size_t)(nl ? nl : 1));
    s->active = xcalloc((size_t)NW, sizeof(uint64_t));
}

static void side_push(Side *s, Vec *g, const uint64_t *inc, int NW) {
    if (s->ng == s->cap) {
        s->cap *= 2;
        s->gens = xrealloc(s->gens, sizeof(Vec *) * (size_t)s->cap);
        s->incs = xrealloc(s->incs, sizeof(uint64_t) * (size_t)s->cap * (size_t)NW);
    }
    s->gens[s->ng] = g;
    memcpy(s->incs + (size_t)s->ng * NW, inc, sizeof(uint64_t) * (size_t)NW);
    s->ng++;
}

/* the one row of x's basis (x exact) that is not tight at a generator with incidence bits inc, when all the
   others are (see reduce); else -1 */
static int basis_out(const Vec *x, const uint64_t *inc, int NW) {
    int out = -1;
    for (int w = 0; w < NW; w++) {
        uint64_t d = x->basis[w] & ~inc[w];
        if (!d) continue;
        if (out >= 0 || (d & (d - 1))) return -1;
        out = 64 * w + __builtin_ctzll(d);
    }
    return out;
}

/* one double-description step on cell c by the value index j (neuron k); the new inequality gets bit
   index bi. Fills the plus and minus sides (generators are shared, with references). */
static void dd_split(Ctx *C, Cell *c, int j, int bi, Side *P, Side *Mi) {
    int NW = C->NW, np1 = C->np1;
    int ng = c->ng, nl = c->nl;
    int first = j + 1;
    const Layer *L = c->lay;
    /* scratch: tmp (NW words) then ia (ng * NW); pos, neg, zer, cnt (ng ints each); the path's rows */
    uint64_t *tmp = grow(C, 0, sizeof(uint64_t) * (size_t)NW * (size_t)(ng + 1));
    /* 1. a line on which h is not zero: the line turns into a ray on each side */
    for (int i = 0; i < nl; i++) {
        int lv = mpz_sgn(c->lines[i]->v[j]);
        if (!lv) continue;
        Vec *ln = c->lines[i];
        int s = lv > 0 ? 1 : -1;
        mpz_t al;
        mpz_init(al);
        mpz_abs(al, ln->v[j]);
        side_init(P, ng + 1, nl - 1, NW);
        side_init(Mi, ng + 1, nl - 1, NW);
        int m = 0;
        for (int l = 0; l < nl; l++) {
            if (l == i) continue;
            Vec *l2 = c->lines[l];
            Vec *x = mpz_sgn(l2->v[j]) ? line_comb(C, c->lay, l2, l2->v[j], ln, al, s, first) : vec_ref(l2);
            P->lines[m] = x;
            Mi->lines[m] = vec_ref(x);
            m++;
        }
        for (int g = 0; g < ng; g++) {
            Vec *x = c->gens[g];
            Vec *y = mpz_sgn(x->v[j]) ? line_comb(C, c->lay, x, x->v[j], ln, al, s, first) : vec_ref(x);
            memcpy(tmp, c->incs + (size_t)g * NW, sizeof(uint64_t) * (size_t)NW);
            bs_set(tmp, bi);
            side_push(P, y, tmp, NW);
            side_push(Mi, vec_ref(y), tmp, NW);
        }
        /* the new ray: tight on every earlier inequality */
        memset(tmp, 0, sizeof(uint64_t) * (size_t)NW);
        for (int b = 0; b < bi; b++) bs_set(tmp, b);
        Vec *rp = vec_raw(ln->len), *rm = vec_raw(ln->len); /* every entry is set below */
        for (int q = 0; q < ln->len; q++) {
            if (s > 0) {
                mpz_set(rp->v[q], ln->v[q]);
                mpz_neg(rm->v[q], ln->v[q]);
            } else {
                mpz_neg(rp->v[q], ln->v[q]);
                mpz_set(rm->v[q], ln->v[q]);
            }
        }
        side_push(P, rp, tmp, NW);
        side_push(Mi, rm, tmp, NW);
        memcpy(P->active, c->active, sizeof(uint64_t) * (size_t)NW);
        bs_set(P->active, bi);
        memcpy(Mi->active, P->active, sizeof(uint64_t) * (size_t)NW);
        mpz_clear(al);
        return;
    }
    /* 2. new generators on the edges joining h > 0 to h < 0 */
    int *pos = grow(C, 1, sizeof(int) * 4 * (size_t)(ng ? ng : 1)), *neg = pos + ng, *zer = neg + ng,
        *cnt = zer + ng;
    int np = 0, nn = 0, nz = 0;
    for (int g = 0; g < ng; g++) {
        int s = mpz_sgn(c->gens[g]->v[j]);
        if (s > 0)
            pos[np++] = g;
        else if (s < 0)
            neg[nn++] = g;
        else
            zer[nz++] = g;
    }
    uint64_t *ia = tmp + NW;
    for (int g = 0; g < ng; g++) {
        int cc = 0;
        for (int w = 0; w < NW; w++) {
            ia[(size_t)g * NW + w] = c->incs[(size_t)g * NW + w] & c->active[w];
            cc += popcount64(ia[(size_t)g * NW + w]);
        }
        cnt[g] = cc;
    }
    /* The remaining neurons of the layer that do not cut this cell (all generator values >= 0, or all <= 0, and
       0 on the lines) cannot cut any cell inside it: only the signs of their values are ever read again. A new
       generator is a positive combination of p and q, so its value has the sign of theirs; it is stored as
       that sign (-1, 0, 1), marked in smask, and never multiplied. Values of neurons that do cut are exact:
       a neuron cutting a cell cut every cell containing it, so no ancestor stored a sign for it. */
    uint64_t nocut = 0;
    for (int i = first; i < (np1 + 64 < c->gens[0]->len ? np1 + 64 : c->gens[0]->len); i++) {
        int pos;
        if (!cuts(c, i, &pos)) nocut |= (uint64_t)1 << (i - np1);
    }
    Vec **rows = path_rows(C, c);
    int pdim = np1 - nl;
    int need = pdim - 2, simple = need + 1;
    int two = ng == 2;
    /* room for the new generators too: a cut edge has one end on each side, and in a simple polytope each
       vertex has pdim - 1 edges, so about (pdim - 1) * min(np, nn) of them (more only in degenerate cells) */
    int fresh = (pdim > 1 ? pdim - 1 : 1) * (np < nn ? np : nn) + 4;
    side_init(P, np + nz + fresh, nl, NW);
    side_init(Mi, nn + nz + fresh, nl, NW);
    for (int l = 0; l < nl; l++) {
        P->lines[l] = vec_ref(c->lines[l]);
        Mi->lines[l] = vec_ref(c->lines[l]);
    }
    for (int a = 0; a < np; a++) side_push(P, vec_ref(c->gens[pos[a]]), c->incs + (size_t)pos[a] * NW, NW);
    for (int a = 0; a < nn; a++) side_push(Mi, vec_ref(c->gens[neg[a]]), c->incs + (size_t)neg[a] * NW, NW);
    for (int a = 0; a < nz; a++) {
        memcpy(tmp, c->incs + (size_t)zer[a] * NW, sizeof(uint64_t) * (size_t)NW);
        bs_set(tmp, bi);
        side_push(P, vec_ref(c->gens[zer[a]]), tmp, NW);
        side_push(Mi, vec_ref(c->gens[zer[a]]), tmp, NW);
    }
    for (int a = 0; a < np; a++) {
        int p = pos[a];
        uint64_t *zp = ia + (size_t)p * NW;
        int psimple = cnt[p] == simple;
        Vec *gp = c->gens[p];
        for (int b = 0; b < nn; b++) {
            int q = neg[b];
            uint64_t *zq = ia + (size_t)q * NW;
            int cn = 0, empty = 1;
            for (int w = 0; w < NW; w++) {
                tmp[w] = zp[w] & zq[w];
                cn += popcount64(tmp[w]);
                if (tmp[w]) empty = 0;
            }
            if (cn < need) continue;
            int qsimple = cnt[q] == simple;
            if (!((psimple || qsimple) && cn == need) && !(two && empty)) {
                /* the combinatorial test: no third generator tight on every facet tight at both */
                int adjacent = 1;
                for (int r = 0; r < ng && adjacent; r++) {
                    if (r == p || r == q || cnt[r] < cn) continue;
                    uint64_t *zr = ia + (size_t)r * NW;
                    int sup = 1;
                    for (int w = 0; w < NW; w++)
                        if ((zr[w] & tmp[w]) != tmp[w]) {
                            sup = 0;
                            break;
                        }
                    if (sup) adjacent = 0;
                }
                if (!adjacent) continue;
            }
            Vec *gq = c->gens[q];
            if (gp->dirty) reduce(C, gp);
            if (gq->dirty) reduce(C, gq);
            exact_value(C, L, gp, j);
            exact_value(C, L, gq, j);
            const mpz_t *vp = &gp->v[j], *vq = &gq->v[j];
            int len = gp->len;
            Vec *e = vec_raw(len);
            for (int i = 0; i < np1; i++) {
                mpz_mul(e->v[i], *vp, gq->v[i]);
                mpz_submul(e->v[i], *vq, gp->v[i]);
            }
            for (int i = np1; i < first; i++) mpz_set_ui(e->v[i], 0); /* processed neurons: never read */
            int eflush = 0;
            const double *ed = NULL;
            for (int i = first; i < len; i++) {
                int jj = i - np1;
                if (jj < 64 && (nocut >> jj & 1)) { /* sign only: a positive combination of same-sign values */
                    int sg = mpz_sgn(gp->v[i]) + mpz_sgn(gq->v[i]);
                    mpz_set_si(e->v[i], sg > 0 ? 1 : sg < 0 ? -1 : 0);
                    e->smask |= (uint64_t)1 << jj;
                    continue;
                }
                if (jj < 64 && L->Md) { /* the certified sign now, the exact value on demand (exact_value) */
                    if (!ed) ed = vec_doubles(e, np1, &eflush);
                    int sg = filtered_sign(L->Md + (size_t)jj * np1, L->Mf[jj], ed, eflush, np1);
                    if (sg) {
                        mpz_set_si(e->v[i], sg);
                        e->umask |= (uint64_t)1 << jj;
                    } else { /* a close call or an exact zero: the exact value */
                        dot(e->v[i], L->hp[jj], e, np1);
                    }
                    continue;
                }
                mpz_mul(e->v[i], *vp, gq->v[i]);
                mpz_submul(e->v[i], *vq, gp->v[i]);
            }
            e->dirty = 1;
            e->lag = 1 + (gp->lag > gq->lag ? gp->lag : gq->lag);
            {   /* the content hint (see reduce): |b . p| with b the one row of q's basis not tight at p, or the
                   same with p and q exchanged (exact); else b the first facet tight at q and not at p */
                int bidx = -1;
                Vec *other = gp; /* the generator the hint row is taken at */
                if (gq->exact) bidx = basis_out(gq, c->incs + (size_t)p * NW, NW);
                if (bidx < 0 && gp->exact) {
                    bidx = basis_out(gp, c->incs + (size_t)q * NW, NW);
                    other = gq;
                }
                if (bidx >= 0) {
                    const Vec *from = other == gp ? gq : gp;
                    e->exact = 1;
                    memcpy(e->basis, from->basis, sizeof(uint64_t) * (size_t)NW);
                    e->basis[bidx >> 6] &= ~((uint64_t)1 << (bidx & 63));
                    bs_set(e->basis, bi);
                } else {
                    other = gp;
                    for (int w = 0; w < NW && bidx < 0; w++) {
                        uint64_t d = zq[w] & ~zp[w];
                        if (d) bidx = 64 * w + __builtin_ctzll(d);
                    }
                }
                if (bidx >= 0) { /* computed by reduce, if e ever becomes a parent (other is reduced: no chains) */
                    e->hrow = vec_ref(bidx < C->ndom ? C->dom[bidx] : rows[bidx - C->ndom]);
                    e->hat = vec_ref(other);
                }
            }
            run_stats.made++;
            run_stats.made_exact += e->exact;
            bs_set(tmp, bi);
            side_push(P, e, tmp, NW);
            side_push(Mi, vec_ref(e), tmp, NW);
        }
    }
    /* the facets of each side: an old facet stays iff a generator strictly inside the side is tight on it */
    uint64_t *keep = tmp;
    memset(keep, 0, sizeof(uint64_t) * (size_t)NW);
    for (int a = 0; a < np; a++)
        for (int w = 0; w < NW; w++) keep[w] |= c->incs[(size_t)pos[a] * NW + w];
    for (int w = 0; w < NW; w++) P->active[w] = c->active[w] & keep[w];
    bs_set(P->active, bi);
    memset(keep, 0, sizeof(uint64_t) * (size_t)NW);
    for (int a = 0; a < nn; a++)
        for (int w = 0; w < NW; w++) keep[w] |= c->incs[(size_t)neg[a] * NW + w];
    for (int w = 0; w < NW; w++) Mi->active[w] = c->active[w] & keep[w];
    bs_set(Mi->active, bi);
}

/* --------------------------------------------------------------------------------- the stack */
typedef struct {
    Cell *a;
    long n, cap;
} Stack;

static void stack_push(Stack *s, Cell *c) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->a = xrealloc(s->a, sizeof(Cell) * (size_t)s->cap);
    }
    s->a[s->n++] = *c;
}

typedef struct {
    long idx, sid;
} Open;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void ctx_free(Ctx *C) {
    for (int l = 0; l <= C->L; l++) {
        if (C->W && C->W[l]) {
            int width = l < C->L ? C->widths[l] : C->wdim[C->L + 1];
            for (int k = 0; k < width; k++) vec_unref(C->W[l][k]);
            free(C->W[l]);
        }
        if (C->B) vec_unref(C->B[l]);
    }
    free(C->W);
    free(C->B);
    if (C->dom)
        for (int i = 0; i < C->ndom; i++) vec_unref(C->dom[i]);
    free(C->dom);
    free(C->widths);
    free(C->offsets);
    free(C->wdim);
    arena_free(C->arena);
    free(C->kbuf);
    free(C->maps);
    free(C->mapid);
    for (long i = 0; i < C->pluscap; i++)
        if (C->plus[i]) sidtab_free(C->plus[i]);
    free(C->plus);
    for (long i = 0; i < C->count; i++)
        if (C->rf && C->rf[i]) rf_free(C->rf[i]);
    free(C->rf);
    free(C->uf);
    free(C->touch);
    Py_XDECREF(C->touching);
    mpz_clear(C->t1);
    mpz_clear(C->t2);
    mpz_clear(C->t3);
    mpz_clear(C->rem);
    if (C->qt) {
        for (int i = 0; i < C->np1; i++) mpz_clear(C->qt[i]);
        free(C->qt);
    }
    for (size_t i = 0; i < C->Vcap; i++) mpz_clear(C->V[i]);
    free(C->V);
    for (int i = 0; i < 6; i++) free(C->sb[i]);
    if (C->bm) {
        for (int i = 0; i < (BASIS_MAX - 1) * (BASIS_MAX - 1); i++) mpz_clear(C->bm[i]);
        free(C->bm);
    }
}

/* o: a sequence of NW ints (64-bit words) into out; -1 on a Python error */
static int bitset_words(PyObject *o, uint64_t *out, int NW) {
    PyObject *f = PySequence_Fast(o, "tropical._cregions: expected a sequence of words");
    if (!f) return -1;
    if (PySequence_Fast_GET_SIZE(f) != NW) {
        Py_DECREF(f);
        PyErr_SetString(PyExc_ValueError, "tropical._cregions: wrong number of bitset words");
        return -1;
    }
    for (int w = 0; w < NW; w++) {
        out[w] = PyLong_AsUnsignedLongLong(PySequence_Fast_GET_ITEM(f, w));
        if (PyErr_Occurred()) {
            Py_DECREF(f);
            return -1;
        }
    }
    Py_DECREF(f);
    return 0;
}

/*
 * count(n, layers, dom_ineqs, dom_gens, dom_incs, dom_lines, dom_active, nwords, max_regions, time_budget,
 *       progress, fallback) -> (activation, linear, distinct, status, splits, fallback_pairs)
 *
 * layers: [(W rows, b)] integer layers (the last one is the output); dom_*: the domain's double description
 * (incs and active as lists of nwords 64-bit words); max_regions < 0: no cap; time_budget <= 0: none.
 * status: 0 complete, 1 time budget, 2 interrupted (Ctrl-C), 3 more than max_regions regions.
 */
static PyObject *cr_count(PyObject *self, PyObject *args) {
    (void)self;
    int n, NW, progress;
    long long max_regions;
    double budget;
    PyObject *layers, *dom_ineqs, *dom_gens, *dom_incs, *dom_lines, *dom_active, *fallback;
    PyObject *touch = Py_None;
    if (!PyArg_ParseTuple(args, "iOOOOOOiLdpO|O", &n, &layers, &dom_ineqs, &dom_gens, &dom_incs, &dom_lines,
                          &dom_active, &NW, &max_regions, &budget, &progress, &fallback, &touch))
        return NULL;
    Ctx Cx;
    Ctx *C = &Cx;
    memset(C, 0, sizeof(Ctx));
    mpz_init(C->t1);
    mpz_init(C->t2);
    mpz_init(C->t3);
    mpz_init(C->rem);
    C->n = n;
    C->np1 = n + 1;
    vec_dlen = C->np1 <= FILTER_MAX ? C->np1 : 0;
    C->qt = xmalloc(sizeof(mpz_t) * (size_t)C->np1);
    for (int i = 0; i < C->np1; i++) mpz_init(C->qt[i]);
    C->NW = NW;
    memset(&run_stats, 0, sizeof(run_stats));
    vec_bw = C->np1 <= BASIS_MAX ? NW : 0;
    if (vec_bw) {
        C->bm = xmalloc(sizeof(mpz_t) * (size_t)((BASIS_MAX - 1) * (BASIS_MAX - 1)));
        for (int i = 0; i < (BASIS_MAX - 1) * (BASIS_MAX - 1); i++) mpz_init(C->bm[i]);
    }
    C->fallback = fallback;
    Stack st = {0};
    Open *open = NULL;
    long nopen = 0, capopen = 0;
    PyObject *result = NULL;
    int status = 0;
    Cell cur;
    memset(&cur, 0, sizeof(Cell));

    Py_ssize_t nlayers = PySequence_Length(layers);
    if (nlayers < 2) {
        PyErr_SetString(PyExc_ValueError, "tropical._cregions: needs at least one hidden layer");
        goto done;
    }
    C->L = (int)nlayers - 1;
    C->widths = xcalloc((size_t)C->L + 1, sizeof(int));
    C->offsets = xcalloc((size_t)C->L + 2, sizeof(int));
    C->wdim = xcalloc((size_t)C->L + 2, sizeof(int));
    C->W = xcalloc((size_t)C->L + 1, sizeof(Vec **));
    C->B = xcalloc((size_t)C->L + 1, sizeof(Vec *));
    C->wdim[0] = n;
    for (int l = 0; l <= C->L; l++) {
        PyObject *pair = PySequence_GetItem(layers, l);
        if (!pair) goto done;
        PyObject *Wl = PySequence_GetItem(pair, 0), *bl = PySequence_GetItem(pair, 1);
        Py_DECREF(pair);
        if (!Wl || !bl) {
            Py_XDECREF(Wl);
            Py_XDECREF(bl);
            goto done;
        }
        int width = (int)PySequence_Length(Wl);
        if (l < C->L) C->widths[l] = width;
        C->wdim[l + 1] = width;
        C->W[l] = xcalloc((size_t)(width ? width : 1), sizeof(Vec *));
        int ok = 1;
        for (int k = 0; k < width && ok; k++) {
            PyObject *row = PySequence_GetItem(Wl, k);
            if (!row || !(C->W[l][k] = py_to_vec(row, C->wdim[l]))) ok = 0;
            Py_XDECREF(row);
        }
        if (ok && !(C->B[l] = py_to_vec(bl, width))) ok = 0;
        Py_DECREF(Wl);
        Py_DECREF(bl);
        if (!ok) goto done;
    }
    for (int l = 0; l < C->L; l++) C->offsets[l + 1] = C->offsets[l] + C->widths[l];
    C->H = C->offsets[C->L];
    C->ndom = (int)PySequence_Length(dom_ineqs);
    if (C->ndom < 1 || 64 * NW < C->ndom + C->H + 1) {
        PyErr_SetString(PyExc_ValueError, "tropical._cregions: too few bitset words");
        goto done;
    }
    if (touch != Py_None) { /* the domain inequality indices whose regions are reported */
        C->touch = xcalloc((size_t)C->ndom, 1);
        if (!(C->touching = PyList_New(0))) goto done;
        PyObject *f = PySequence_Fast(touch, "tropical._cregions: touch must be a sequence of ints");
        if (!f) goto done;
        for (Py_ssize_t t = 0; t < PySequence_Fast_GET_SIZE(f); t++) {
            long b = PyLong_AsLong(PySequence_Fast_GET_ITEM(f, t));
            if (b == -1 && PyErr_Occurred()) {
                Py_DECREF(f);
                goto done;
            }
            if (b < 1 || b >= C->ndom) {
                Py_DECREF(f);
                PyErr_SetString(PyExc_ValueError, "tropical._cregions: a touch index is not a domain inequality");
                goto done;
            }
            C->touch[b] = 1;
        }
        Py_DECREF(f);
    }
    C->dom = xcalloc((size_t)C->ndom, sizeof(Vec *));
    for (int i = 0; i < C->ndom; i++) {
        PyObject *row = PySequence_GetItem(dom_ineqs, i);
        if (!row) goto done;
        C->dom[i] = py_to_vec(row, C->np1);
        Py_DECREF(row);
        if (!C->dom[i]) goto done;
    }
    /* the root cell */
    cur.ng = (int)PySequence_Length(dom_gens);
    cur.nl = (int)PySequence_Length(dom_lines);
    cur.gens = xcalloc((size_t)(cur.ng ? cur.ng : 1), sizeof(Vec *));
    cur.lines = xcalloc((size_t)(cur.nl ? cur.nl : 1), sizeof(Vec *));
    cur.incs = xcalloc((size_t)(cur.ng ? cur.ng : 1) * (size_t)NW, sizeof(uint64_t));
    cur.active = xcalloc((size_t)NW, sizeof(uint64_t));
    cur.pat = xcalloc((size_t)(C->H ? C->H : 1), 1);
    cur.nineq = C->ndom;
    for (int g = 0; g < cur.ng; g++) {
        PyObject *row = PySequence_GetItem(dom_gens, g);
        if (!row) goto done;
        cur.gens[g] = py_to_vec(row, C->np1);
        Py_DECREF(row);
        if (!cur.gens[g]) goto done;
        PyObject *inc = PySequence_GetItem(dom_incs, g);
        if (!inc) goto done;
        int bad = bitset_words(inc, cur.incs + (size_t)g * NW, NW);
        Py_DECREF(inc);
        if (bad) goto done;
    }
    for (int l = 0; l < cur.nl; l++) {
        PyObject *row = PySequence_GetItem(dom_lines, l);
        if (!row) goto done;
        cur.lines[l] = py_to_vec(row, C->np1);
        Py_DECREF(row);
        if (!cur.lines[l]) goto done;
    }
    if (bitset_words(dom_active, cur.active, NW)) goto done;
    start_layer(C, &cur, 0);
    stack_push(&st, &cur);
    memset(&cur, 0, sizeof(Cell));

    double start = now_seconds();
    double deadline = budget > 0 ? start + budget : -1.0;
    double next_report = start + 1.0;
    long tick = 0;
    int np1 = C->np1;
    while (st.n) {
        cur = st.a[--st.n];
        long top = st.n;
        while (nopen && open[nopen - 1].idx > top) release_sid(C, open[--nopen].sid);
        tick++;
        if ((tick & 63) == 0) {
            double t = now_seconds();
            if (deadline > 0 && t > deadline) {
                status = 1;
                break;
            }
            if (PyErr_CheckSignals() < 0) {
                if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
                    PyErr_Clear();
                    status = 2;
                    break;
                }
                goto done;
            }
            if (progress && t > next_report) {
                next_report = t + 1.0;
                PySys_WriteStderr("regions: %ld activation regions, %ld pending cells, %.1f s\n", C->count, st.n,
                                  t - start);
            }
        }
        Layer *L = cur.lay;
        int width = L->ncut;
        while (cur.k < width) {
            int k = cur.k;
            int j = np1 + k;
            int pos;
            int cut = cuts(&cur, j, &pos);
            int neuron = L->cidx[k];
            uint8_t *pat = cur.pat + C->offsets[L->li];
            if (!cut) {
                pat[neuron] = (uint8_t)pos;
                cur.k++;
                continue;
            }
            Side P, Mi;
            int bi = cur.nineq;
            dd_split(C, &cur, j, bi, &P, &Mi);
            C->splits++;
            long sid = C->splits;
            /* the minus side */
            Cell m;
            m.ng = Mi.ng;
            m.nl = Mi.nl;
            m.gens = Mi.gens;
            m.incs = Mi.incs;
            m.lines = Mi.lines;
            m.active = Mi.active;
            Ineq *qm = xmalloc(sizeof(Ineq));
            qm->rc = 1;
            qm->parent = cur.path;
            if (cur.path) cur.path->rc++;
            qm->h = vec_ref(L->hm[k]);
            qm->sid = sid;
            qm->sign = -1;
            qm->index = bi;
            m.path = qm;
            m.nineq = bi + 1;
            m.lay = L;
            L->rc++;
            m.k = k + 1;
            m.pat = xmalloc((size_t)(C->H ? C->H : 1));
            memcpy(m.pat, cur.pat, (size_t)C->H);
            m.pat[C->offsets[L->li] + neuron] = 0;
            if (nopen == capopen) {
                capopen = capopen ? 2 * capopen : 64;
                open = xrealloc(open, sizeof(Open) * (size_t)capopen);
            }
            open[nopen].idx = st.n;
            open[nopen].sid = sid;
            nopen++;
            stack_push(&st, &m);
            /* the plus side continues */
            for (int g = 0; g < cur.ng; g++) vec_unref(cur.gens[g]);
            for (int l = 0; l < cur.nl; l++) vec_unref(cur.lines[l]);
            free(cur.gens);
            free(cur.incs);
            free(cur.lines);
            free(cur.active);
            cur.ng = P.ng;
            cur.nl = P.nl;
            cur.gens = P.gens;
            cur.incs = P.incs;
            cur.lines = P.lines;
            cur.active = P.active;
            Ineq *qp = xmalloc(sizeof(Ineq));
            qp->rc = 1;
            qp->parent = cur.path; /* takes over cur's reference */
            qp->h = vec_ref(L->hp[k]);
            qp->sid = sid;
            qp->sign = 1;
            qp->index = bi;
            cur.path = qp;
            cur.nineq = bi + 1;
            cur.pat[C->offsets[L->li] + neuron] = 1;
            cur.k = k + 1;
        }
        if (L->li + 1 < C->L) {
            start_layer(C, &cur, L->li + 1);
            stack_push(&st, &cur);
            memset(&cur, 0, sizeof(Cell));
            continue;
        }
        if (max_regions >= 0 && C->count >= max_regions) {
            status = 3;
            break;
        }
        Vec **rows = compose(C, C->L, L, cur.pat);
        int nout = C->wdim[C->L + 1];
        Vec *key = vec_raw(nout * np1); /* every entry is set below */
        for (int o = 0; o < nout; o++) {
            for (int i = 0; i < np1; i++) mpz_set(key->v[o * np1 + i], rows[o]->v[i]);
            vec_unref(rows[o]);
        }
        free(rows);
        if (add_region(C, &cur, key) < 0) {
            if (!PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) goto done;
            PyErr_Clear(); /* Ctrl-C inside the exact clip: the counts so far are returned, marked partial */
            status = 2;
            break;
        }
        cell_free(&cur);
    }
    if (C->touch) { /* the reports with each region's class, and every distinct key */
        PyObject *reps = PyList_New(0), *keys = PyList_New(0);
        if (!reps || !keys) {
            Py_XDECREF(reps);
            Py_XDECREF(keys);
            goto done;
        }
        for (Py_ssize_t t = 0; t < PyList_GET_SIZE(C->touching); t++) {
            PyObject *it = PyList_GET_ITEM(C->touching, t);
            long long i = PyLong_AsLongLong(PyTuple_GET_ITEM(it, 0));
            PyObject *root = PyLong_FromLongLong((long long)uf_find(C, (int64_t)i));
            PyObject *rep = root ? PyTuple_Pack(5, root, PyTuple_GET_ITEM(it, 1), PyTuple_GET_ITEM(it, 2),
                                                PyTuple_GET_ITEM(it, 3), PyTuple_GET_ITEM(it, 4))
                                 : NULL;
            Py_XDECREF(root);
            if (!rep || PyList_Append(reps, rep) < 0) {
                Py_XDECREF(rep);
                Py_DECREF(reps);
                Py_DECREF(keys);
                goto done;
            }
            Py_DECREF(rep);
        }
        for (long h = 0; h < C->mapcap; h++) {
            if (!C->maps[h].p) continue;
            PyObject *k = PyBytes_FromStringAndSize((const char *)C->maps[h].p, (Py_ssize_t)C->maps[h].len);
            if (!k || PyList_Append(keys, k) < 0) {
                Py_XDECREF(k);
                Py_DECREF(reps);
                Py_DECREF(keys);
                goto done;
            }
            Py_DECREF(k);
        }
        result = Py_BuildValue("(lllillNN)", C->count, C->count - C->merges, C->nmaps, status, C->splits,
                               C->fallback_pairs, reps, keys);
        goto done;
    }
    result = Py_BuildValue("(lllill)", C->count, C->count - C->merges, C->nmaps, status, C->splits,
                           C->fallback_pairs);
done:
    cell_free(&cur);
    for (long i = 0; i < st.n; i++) cell_free(&st.a[i]);
    free(st.a);
    free(open);
    ctx_free(C);
    vec_pool_clear();
    return result;
}

/* stats() -> dict: what the last run did with its generators */
static PyObject *cr_stats(PyObject *self, PyObject *noargs) {
    (void)self;
    (void)noargs;
    return Py_BuildValue("{s:l,s:l,s:l,s:l,s:l,s:l,s:l}", "new_generators", run_stats.made, "exact_generators",
                         run_stats.made_exact, "exact_reductions", run_stats.reduced_exact, "checked_reductions",
                         run_stats.reduced_checked, "gcd_reductions", run_stats.reduced_gcd, "seeds_tried",
                         run_stats.seeds_tried, "seeded", run_stats.seeded);
}

static PyMethodDef methods[] = {
    {"count", cr_count, METH_VARARGS,
     "count(n, layers, dom_ineqs, dom_gens, dom_incs, dom_lines, dom_active, nwords, max_regions, time_budget, "
     "progress, fallback) -> (activation, linear, distinct, status, splits, fallback_pairs)"},
    {"stats", cr_stats, METH_NOARGS,
     "stats() -> dict: the last run's new generators (all, and exact cross products), its reductions (exact "
     "division, checked hint, gcd) and its seeded exact cross products"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cregions",
                                    "The compiled exact region count (GMP); see tropical.regions.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__cregions(void) { return PyModule_Create(&module); }
