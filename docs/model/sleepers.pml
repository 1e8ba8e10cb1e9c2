/* Sleeper sets: who sleeps on a futex word of the segment, and how the bit
 * of a sleeper killed in its sleep is cleared (docs/shm_layout.md section 6,
 * shm/wait.h, shm/sleepers.h).
 *
 * Two subscriber slots. Slot 0's first owner may be killed at any step; a
 * second owner may then take slot 0 (it clears what the dead owner left, as
 * Subscriber::TakeSlot does). Slot 1's owner lives. Both owners wait, in the
 * blocking strategy, until COMMITS commits are published. The producer
 * commits COMMITS times; after each commit it wakes the set if it is not
 * empty and changed since its last wake, and may then scan it for dead sleepers (in the code it scans when
 * FUTEX_WAKE woke fewer threads than the bits; here it may scan after any
 * wake, which covers that and more).
 *
 * Checked:
 *  - S1 (assertion): a scan clears a bit only if no live owner of that slot
 *    is in the set (shm/sleepers.h invariant 2).
 *  - S2 (invalid end state): no live waiter sleeps for ever: every wake-up
 *    it needs reaches it (wait.h invariant 1), also after a scan.
 * Memory is sequentially consistent (SPIN interleaving): the seq_cst fences
 * of the code are what make that hold for these steps.
 *
 * Broken variants (each must be caught):
 *  - BROKEN_NO_RECHECK: the waiter sleeps without re-checking after it
 *    joined: a commit between its first check and its join is never woken
 *    for, and it sleeps for ever (S2).
 *  - BROKEN_NO_VERSION (S1): the clearing CAS compares the bits only (no version):
 *    the dead owner's bit, cleared by the next owner at attach and set again
 *    when it sleeps, looks unchanged (ABA) and the live sleeper's bit goes.
 *  - BROKEN_PROBE_FIRST (S1): the scan probes the locks before it loads the pair.
 *  - BROKEN_SEEN_AFTER_JOIN (S2): the waiter loads the futex word after it
 *    joined (the order before the producer skipped wakes): a wake between
 *    its join and that load does not release it, and the producer, seeing
 *    the same version, skips the wake it needs.
 *  - BROKEN_MEMO_BITS (S2): the producer skips while the bits are the ones
 *    it last woke, not the version: a sleeper that left and joined again
 *    looks unchanged.
 */

#define NSLOTS 2
#ifndef COMMITS
#define COMMITS 2
#endif
#define BIT(s) (1 << (s))

byte bits;               /* the sleeper set: bit s = slot s sleeps */
byte version;            /* +1 with every change of bits */
byte seq;                /* the futex word (published_seq) */
byte published;          /* commits made */
bool lock[NSLOTS];       /* the slot's liveness lock: held by a live owner */
bool alive0 = true;      /* slot 0's first owner lives */
bool owns0;              /* ... and holds slot 0's lock */
bool joined[NSLOTS];     /* ghost: a live owner of the slot is in the set */

inline join(s) {
  atomic { bits = bits | BIT(s); version++; joined[s] = true }
}

inline leave(s) {
  atomic {
    if
    :: (bits & BIT(s)) != 0 -> bits = bits & ~BIT(s); version++
    :: else -> skip
    fi;
    joined[s] = false
  }
}

/* The blocking wait of Subscriber::Read, until COMMITS are published. */
inline wait_for_commits(s, seen) {
  do
  :: published >= COMMITS -> break
  :: else ->
#ifdef BROKEN_SEEN_AFTER_JOIN
     join(s);                  /* one 16-byte CAS, then the seq_cst fence */
     seen = seq;               /* load published_seq after joining */
#else
     seen = seq;               /* load published_seq, then join: */
     join(s);                  /* one 16-byte CAS, then the seq_cst fence */
#endif
     if
#ifndef BROKEN_NO_RECHECK
     :: published >= COMMITS -> leave(s); break      /* the re-check */
#endif
     :: else ->
        (seq != seen);         /* FUTEX_WAIT: sleeps until the word changes */
        leave(s)
     fi
  od
}

/* Attach, after taking the slot's lock (its previous owner is gone): clear
 * what that owner left in the set (ForgetSubscriberSleeper). */
inline attach_clear(s) {
  atomic {
    if
    :: (bits & BIT(s)) != 0 -> bits = bits & ~BIT(s); version++
    :: else -> skip
    fi
  }
}

proctype MortalOwner() {   /* slot 0's first owner; may be killed anywhere */
  byte seen;
  {
    atomic { !lock[0] -> lock[0] = true; owns0 = true };
    attach_clear(0);
    wait_for_commits(0, seen);
    atomic { lock[0] = false; owns0 = false }
  } unless {
    !alive0                /* the Killer dropped its lock */
  }
}

proctype NextOwner() {     /* takes slot 0 once its first owner is dead */
  byte seen;
end_idle:
  atomic { !alive0 && !lock[0] -> lock[0] = true };
  attach_clear(0);
  wait_for_commits(0, seen);
  atomic { lock[0] = false }
}

proctype LiveOwner() {     /* slot 1 */
  byte seen;
  atomic { !lock[1] -> lock[1] = true };
  attach_clear(1);
  wait_for_commits(1, seen);
  atomic { lock[1] = false }
}

proctype Killer() {
end_killer:
  if
  :: atomic {              /* kill -9: the kernel drops its lock at once */
       alive0 -> alive0 = false;
       if :: owns0 -> lock[0] = false; owns0 = false; joined[0] = false :: else -> skip fi
     }
  :: skip
  fi
}

/* ClearDeadSleepers: load the pair, probe each slot's lock, clear the bits
 * of slots without a live owner with one CAS from the loaded pair. */
inline scan(lb, lv, dead, j) {
#ifdef BROKEN_PROBE_FIRST
  dead = 0; j = 0;
  do
  :: j < NSLOTS -> if :: !lock[j] -> dead = dead | BIT(j) :: else -> skip fi; j++
  :: else -> break
  od;
  atomic { lb = bits; lv = version };
  dead = dead & lb;
#else
  atomic { lb = bits; lv = version };
  dead = 0; j = 0;
  do
  :: j < NSLOTS ->
     if :: (lb & BIT(j)) != 0 && !lock[j] -> dead = dead | BIT(j) :: else -> skip fi;
     j++
  :: else -> break
  od;
#endif
  atomic {
#ifdef BROKEN_NO_VERSION
    if
    :: dead != 0 && bits == lb ->
#else
    if
    :: dead != 0 && bits == lb && version == lv ->
#endif
       assert(!((dead & BIT(0)) != 0 && joined[0]));   /* S1 */
       assert(!((dead & BIT(1)) != 0 && joined[1]));   /* S1 */
       bits = lb & ~dead; version++
    :: else -> skip
    fi
  }
}

/* The producer's wake after a commit. It remembers the set's version at its
 * last wake (woke_v; woke_b, the bits, for BROKEN_MEMO_BITS) and skips the
 * wake while the version is unchanged: every sleeper then in the set loaded
 * the futex word before it joined, so that wake released it, and it leaves
 * and joins again (a new version) before it can sleep again. */
proctype Producer() {
  byte lb, lv, dead, j, b, v, woke_b, woke_v = 255;
  do
  :: published < COMMITS ->
     published++;                      /* commit */
     b = bits;                         /* seq_cst fence; load the set */
     if
     :: b != 0 ->
        v = version;                   /* the set's version, loaded after the bits */
        if
#ifdef BROKEN_MEMO_BITS
        :: b == woke_b -> skip         /* the same bits: but a sleeper may have left and joined again */
        :: b != woke_b ->
#else
        :: v == woke_v -> skip         /* nothing joined or left since the last wake */
        :: v != woke_v ->
#endif
           woke_b = b; woke_v = v;
           seq++                       /* bump published_seq, FUTEX_WAKE */
        fi;
        if
        :: scan(lb, lv, dead, j)
        :: skip
        fi
     :: else -> skip
     fi
  :: else -> break
  od
}

init {
  atomic {
    run MortalOwner();
    run NextOwner();
    run LiveOwner();
    run Killer();
    run Producer()
  }
}
