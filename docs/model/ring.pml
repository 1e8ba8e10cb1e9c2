/*
 * ring.pml -- Promela model of the evbus shared-memory ring protocol
 * (docs/shm_layout.md): claim, index reuse, durable gating, write + commit,
 * lap re-check by readers, the producer-slot state machine and the abandon
 * CAS. See docs/model/README.md for what is modelled and what is abstracted.
 *
 * Check it with tools/model_check.sh. Compile-time switches (spin -D...):
 *   NPROD=n          producers (default 2)
 *   MAXID=n          ids 0..MAXID-1 are published in total (default 6)
 *   CAP=n            data ring units (default 4); N index slots is fixed at 4
 *   MAXDEATHS=n      producers that may die, each at any step (default 1)
 *   NO_DURABLE       run without the durable (gating) reader
 *   NO_NONDURABLE    run without the non-durable (lapped) reader
 *   LIVENESS         ltl: every reader finishes (check with pan -a -f)
 * Deliberately broken variants (each must produce a counterexample):
 *   BROKEN_NO_RECHECK    reader delivers without the seqlock lap re-check
 *   BROKEN_NO_LIVENESS   reader abandons a stalled record without asking
 *                        whether a live producer still owns it
 *   BROKEN_ANON_CLAIMING producer slot says CLAIMING without the id it is
 *                        claiming and keeps it while it waits for space
 *   BROKEN_NO_GATING     producers ignore the durable reader's cursor
 */

#ifndef NPROD
#define NPROD 2
#endif
#ifndef MAXID
#define MAXID 6
#endif
#ifndef CAP
#define CAP 4
#endif
#ifndef MAXDEATHS
#define MAXDEATHS 1
#endif
#define N 4              /* index slots; entry of id x is x % N */
#define ABANDONED 64     /* the abandoned bit of a commit word (ids < 64) */
#if defined(NO_DURABLE) || defined(NO_NONDURABLE)
#define NREADERS 1
#else
#define NREADERS 2
#endif

/* Producer slot state, one atomic word in the real layout:
 * IDLE | CLAIMING|id | CLAIMED|id. Modelled as (pmode, pclaim), always
 * written together inside one atomic step. */
#define IDLE 0
#define CLAIMING 1
#define CLAIMED 2

/* ---- shared memory ---- */
byte next_id;            /* ClaimWord.next_id */
byte tail;               /* ClaimWord.tail, unwrapped data units */
byte commit[N];          /* IndexEntry.commit: 0, x+1, or (x+1)|ABANDONED */
byte e_pos[N];           /* IndexEntry.data_pos (unwrapped) */
byte e_len[N];           /* IndexEntry.length (units) */
byte e_stamp[N];         /* stands for the other entry fields: id + 1 */
byte data[CAP];          /* each unit holds the stamp (id + 1) of its writer */
byte pmode[NPROD];
byte pclaim[NPROD];
bool alive[NPROD];       /* the OFD lock: the kernel drops it at death */
byte d_next;             /* durable SubscriberSlot: next id to read */
byte d_pos;              /* durable SubscriberSlot: end of last record read */

/* ---- ghost state, used only by the assertions ---- */
byte ndeaths;
byte nfinished;          /* producers that returned or died */
byte rdone;              /* readers that reached the end */
byte owner[MAXID];       /* which producer claimed id x */
bool committed_g[MAXID]; /* the commit CAS of id x succeeded */
bool pdone[NPROD];       /* producer returned normally */

#define SIZE_OF(i) (((i) % 2) + 1)

/* The entry of id x may be reused once id x-N is terminal. */
#define INDEX_FREE(x, c)                                          \
  (((x) < N && (c) == 0) ||                                       \
   ((x) >= N && ((c) == (x) - N + 1 || (c) == (((x) - N + 1) | ABANDONED))))

#if defined(NO_DURABLE) || defined(BROKEN_NO_GATING)
#define GATING_OK(x, nt) true
#else
#define GATING_OK(x, nt) ((nt) - d_pos <= CAP && (x) + 1 - d_next <= N)
#endif

/* A record never straddles the end of the data ring: skip to the next lap. */
#define START_OF(t, sz) (((t) % CAP) + (sz) > CAP -> (t) + CAP - ((t) % CAP) : (t))

#ifdef BROKEN_ANON_CLAIMING
#define CLAIMING_TAG(x) 0
#define WAIT_MODE CLAIMING
#define CANDIDATE(m, p, x) ((m) == CLAIMING || ((m) == CLAIMED && (p) == (x)))
#else
#define CLAIMING_TAG(x) (x)
#define WAIT_MODE IDLE
#define CANDIDATE(m, p, x) ((m) != IDLE && (p) == (x))
#endif

/* Publishes records of SIZE_OF(i) units until MAXID ids are claimed. Each
 * atomic block is one step of the real code (one atomic instruction, or
 * plain stores no other process can tell apart); a producer may be killed
 * between any two of them. */
proctype Producer(byte i) {
  byte x, t, start, stale, c, j;
claim:
  {
    /* Load the ClaimWord, check gating and index reuse, announce the claim.
     * Both checks are monotone (cursors only grow, a terminal entry stays
     * terminal until id x claims it), so checking them on this snapshot is
     * as good as checking them just before the CAS. */
    atomic {
      x = next_id; t = tail;
      if
      :: x >= MAXID ->
         pmode[i] = IDLE; pclaim[i] = 0; pdone[i] = true; nfinished++; x = 0; t = 0;
         goto done
      :: else
      fi;
      start = START_OF(t, SIZE_OF(i));
      if
      :: GATING_OK(x, start + SIZE_OF(i)) && INDEX_FREE(x, commit[x % N]) ->
         pmode[i] = CLAIMING; pclaim[i] = CLAIMING_TAG(x)
      :: else -> pmode[i] = WAIT_MODE; pclaim[i] = 0; goto backoff
      fi
    };
    atomic {                           /* 16-byte CAS on the ClaimWord */
      if
      :: next_id == x && tail == t ->
         next_id = x + 1; tail = start + SIZE_OF(i); owner[x] = i; t = 0
      :: else -> t = 0; start = 0; goto claim
      fi
    };
    atomic { pmode[i] = CLAIMED; pclaim[i] = x; stale = commit[x % N] };
    data[start % CAP] = x + 1;         /* memcpy, one unit per step */
    if
    :: SIZE_OF(i) > 1 -> data[(start + 1) % CAP] = x + 1
    :: else
    fi;
    atomic {                           /* fill the entry; commit CAS (release) */
      e_pos[x % N] = start; e_len[x % N] = SIZE_OF(i); e_stamp[x % N] = x + 1;
      if
      :: commit[x % N] == stale -> commit[x % N] = x + 1; committed_g[x] = true
      :: else -> assert(false)         /* I3: a live producer's record was abandoned */
      fi;
      stale = 0; start = 0;
      goto claim
    };
backoff:
    /* Back-pressured, or the entry's previous lap (id x-N) is in flight.
     * If x-N is claimed but no live producer may own it, abandon it here:
     * readers that were lapped past it, or no readers at all, would
     * otherwise leave every producer waiting forever. */
    atomic {
      j = NPROD;
      if
      :: x >= N && (commit[x % N] % ABANDONED) < x - N + 1 ->
         c = commit[x % N]; j = 0      /* still the value of a lap before x-N */
      :: else -> goto backoff_wait
      fi
    };
help_scan:
    atomic {
      if
      :: j >= NPROD -> goto help_abandon
      :: j < NPROD && CANDIDATE(pmode[j], pclaim[j], x - N) && alive[j] -> goto backoff_wait
      :: j < NPROD && !(CANDIDATE(pmode[j], pclaim[j], x - N) && alive[j]) -> j++; goto help_scan
      fi
    };
help_abandon:
    atomic {
      if
      :: commit[x % N] == c ->
         commit[x % N] = (x - N + 1) | ABANDONED;
         assert(!alive[owner[x - N]])  /* I3: only a dead owner's record */
      :: else
      fi;
      c = 0; j = 0; t = 0; start = 0; goto claim
    };
backoff_wait:                          /* until something moves */
    atomic {
      (next_id != x || tail != t ||
       (GATING_OK(x, start + SIZE_OF(i)) && INDEX_FREE(x, commit[x % N])) ||
       (j < NPROD && (!alive[j] || !CANDIDATE(pmode[j], pclaim[j], x - N)))) ->
      c = 0; j = 0; t = 0; start = 0; goto claim
    };
done:
    skip
  } unless {
    /* Killed: the process stops; the kernel drops its OFD lock. */
    atomic { !alive[i] -> nfinished++; x = 0; t = 0; start = 0; stale = 0; c = 0; j = 0 }
  }
}

/* Kills up to MAXDEATHS producers, each between any two atomic steps. */
proctype Killer() {
end_killer:
  do
  :: atomic { ndeaths < MAXDEATHS && alive[0] && !pdone[0] -> alive[0] = false; ndeaths++ }
  :: atomic { ndeaths < MAXDEATHS && alive[1] && !pdone[1] -> alive[1] = false; ndeaths++ }
#if NPROD > 2
  :: atomic { ndeaths < MAXDEATHS && alive[2] && !pdone[2] -> alive[2] = false; ndeaths++ }
#endif
  od
}

/* A subscriber; the durable one publishes its cursor, which gates producers. */
proctype Reader(bool durable) {
  byte x, c, pos, rlen, stamp, cn, ct, j;
  bool torn;
top:
  /* SYNC POINT READ: entry.commit, then the entry fields */
  atomic {
    if
    :: nfinished == NPROD && x >= next_id ->
       assert(x == next_id);           /* I1: every claimed id accounted for */
       rdone++; goto finished
    :: else
    fi;
    c = commit[x % N];
    if
    :: c == x + 1 ->
       pos = e_pos[x % N]; rlen = e_len[x % N]; stamp = e_stamp[x % N]; c = 0
    :: c == ((x + 1) | ABANDONED) ->
       assert(!committed_g[x]);        /* I3: a committed record is never lost */
       x++; c = 0;
       if :: durable -> d_next = x :: else fi;
       goto top
#ifndef BROKEN_LATER_LAP_AS_STALE
    :: c != x + 1 && c != ((x + 1) | ABANDONED) && (c % ABANDONED) > x + 1 ->
       cn = next_id; ct = tail;        /* the entry holds a later lap: lapped */
       goto lapped
#endif
    :: else ->                         /* stale (an earlier lap, or 0) */
       if
       :: x >= next_id -> c = 0; goto wait_publish
       :: else -> j = 0; goto scan
       fi
    fi
  };
  torn = (data[pos % CAP] != x + 1);   /* copy the body, one unit per step */
  if
  :: rlen > 1 -> torn = torn || (data[(pos + 1) % CAP] != x + 1)
  :: else
  fi;
  atomic {
#ifndef BROKEN_NO_RECHECK
    cn = next_id; ct = tail;           /* fence(acquire); re-check the lap */
    if
    :: cn > x + N || ct > pos + CAP -> goto lapped
    :: else -> cn = 0; ct = 0
    fi;
#endif
    /* I2: what is delivered is the record of id x, whole */
    assert(!torn && stamp == x + 1 && rlen == SIZE_OF(owner[x]));
    x++;
    if :: durable -> d_next = x; d_pos = pos + rlen :: else fi;
    pos = 0; rlen = 0; stamp = 0; torn = false;
    goto top
  };
wait_publish:                          /* nothing published yet */
  atomic { (next_id > x || nfinished == NPROD) -> goto top };
scan:
  /* Claimed, not committed. Is there a live producer whose slot says it may
   * own id x? One step per slot: its state word, then its OFD lock. */
#ifndef BROKEN_NO_LIVENESS
  atomic {
    if
    :: j >= NPROD -> goto abandon
    :: j < NPROD && CANDIDATE(pmode[j], pclaim[j], x) && alive[j] -> goto wait_owner
    :: j < NPROD && !(CANDIDATE(pmode[j], pclaim[j], x) && alive[j]) -> j++; goto scan
    fi
  };
wait_owner:                            /* until the owner moves or dies */
  atomic {
    (commit[x % N] != c || !alive[j] || !CANDIDATE(pmode[j], pclaim[j], x)) ->
    j = 0; c = 0; goto top
  };
#endif
abandon:
  atomic {                             /* abandon CAS from the stale value */
    if
    :: commit[x % N] == c ->
       commit[x % N] = (x + 1) | ABANDONED;
       assert(!alive[owner[x]])        /* I3: only a dead owner's record */
    :: else
    fi;
    j = 0; c = 0; goto top
  };
lapped:
  /* I4: a durable reader is never lapped. I5: Gap [x .. cn-1], resume at cn. */
  atomic {
    assert(!durable && cn > x);
    x = cn; pos = 0; rlen = 0; stamp = 0; torn = false; c = 0; cn = 0; ct = 0;
    goto top
  };
finished:
  skip
}

#ifdef LIVENESS
ltl all_readers_finish { <> (rdone == NREADERS) }
#endif

init {
  byte k;
  atomic {
    k = 0;
    do
    :: k < NPROD -> alive[k] = true; k++
    :: else -> break
    od;
    k = 0;
    do
    :: k < NPROD -> run Producer(k); k++
    :: else -> break
    od;
#ifndef NO_DURABLE
    run Reader(true);
#endif
#ifndef NO_NONDURABLE
    run Reader(false);
#endif
    run Killer()
  }
}
