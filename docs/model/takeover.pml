/* Takeover of a dead restartable producer's claim (docs/shm_layout.md
 * section 7, "Restartable producers"; shm/recovery.h, Producer::TakeOverClaim).
 *
 * One id X, already claimed (its claim CAS is done) by process 0, a
 * restartable producer: it stores the claimant (with data_pos before it),
 * sets its slot CLAIMED|X, writes two data units and commits with a CAS from
 * the stale value. TAKERS restarted producers (processes 1..TAKERS) may start
 * at any moment, even while process 0 lives; each reads the commit word and
 * the claimant, checks that the claimant's owner is dead, then that the
 * commit word is still stale, CASes the claimant
 * to itself, sets its slot CLAIMED|X, writes the same record into the same
 * units and commits with the same CAS. A claimant of nobody (the owner died
 * before its claimant store) makes a taker abandon X if, asked again then,
 * no live slot may own it and the claimant still names nobody (TryAbandon
 * with no wait; an abandon decided on the first read of the claimant was
 * the model's second counterexample: the owner stored it and died meanwhile). A reader waits on X: it delivers a committed X, reports an
 * abandoned X, or abandons X itself (CAS from the stale value) when no live
 * producer slot may own it and the claimant does not say restartable, or
 * after the abandon timeout. The timeout (tmo) fires at any moment. A killer
 * kills up to MAXDEATHS producers between any two steps (the kernel drops
 * their liveness locks at once).
 *
 * Checked (assertions):
 *  - T1: a ring entry is never rewritten once committed, nor once abandoned
 *    unless the timeout fired (a stalled live writer's late write, as for any
 *    producer: the record check covers that case, section 2).
 *  - T2: a delivered record is whole (both units hold the record).
 *  - T3: a restartable claim is abandoned only after the timeout (or when
 *    nobody ever stored its claimant); a taker's commit fails only after it.
 * Exactly one of commit and abandon holds by construction (one CAS each from
 * the stale value). Memory is sequentially consistent (SPIN interleaving).
 *
 * Broken variants (each must be caught):
 *  - BROKEN_EARLY_ABANDON: readers ignore the restartable mark (T3).
 *  - BROKEN_TAKE_LIVE: a taker does not check that the owner is dead (T1).
 *  - BROKEN_NO_CLAIMANT_CAS: takers store the claimant instead of a CAS (T1;
 *    two takers).
 *  - BROKEN_STALE_CHECK_FIRST: a taker checks that the commit word is stale
 *    before it checks that the owner is dead, not after: the owner commits
 *    and dies in between, and the taker rewrites a committed record (T1).
 */

#ifndef TAKERS
#define TAKERS 1
#endif
#define NPROC (1 + TAKERS)
#ifndef MAXDEATHS
#define MAXDEATHS 1
#endif

#define STALE 0
#define COMMITTED 1
#define ABANDONED 2
#define NOBODY 0          /* claimant: 0 = not stored, k + 1 = process k */

byte commit = STALE;
byte claimant = NOBODY;
bool alive[NPROC];
bool claiming[NPROC];     /* slot state CLAIMING (process 0 only, at start) */
bool claimed[NPROC];      /* slot state CLAIMED|X */
byte unit[2];
bool tmo = false;
byte deaths = 0;

inline write_ok() {
  assert(commit != COMMITTED);        /* T1 */
  assert(commit != ABANDONED || tmo); /* T1 */
}

/* Some live slot may still commit X (LiveClaimantMayExist's slot scan). */
#define LIVE_SLOT (((claiming[0] || claimed[0]) && alive[0]) || \
                   (claimed[1] && alive[1]) || (NPROC > 2 && claimed[NPROC - 1] && alive[NPROC - 1]))

#ifdef BROKEN_EARLY_ABANDON
#define MAY_OWN (LIVE_SLOT)
#else
#define MAY_OWN (LIVE_SLOT || claimant != NOBODY)  /* restartable mark */
#endif

proctype First() {
end1: atomic { alive[0] -> claimant = 1; claimed[0] = true; claiming[0] = false }
end2: atomic { alive[0] -> write_ok(); unit[0] = 1 }
end3: atomic { alive[0] -> write_ok(); unit[1] = 1 }
end4: atomic { alive[0] ->
        if
        :: commit == STALE -> commit = COMMITTED
        :: else -> assert(tmo)  /* only a timed-out claim loses its commit */
        fi;
        claimed[0] = false }
}

proctype Taker(byte me) {
  byte seen;
#ifdef BROKEN_STALE_CHECK_FIRST
end1: atomic { alive[me] -> if :: commit != STALE -> goto done :: else fi }
#endif
end2: atomic { alive[me] -> seen = claimant }
  if
  :: seen == NOBODY ->
     /* the owner died before its claimant store, or has not made it yet */
end3: atomic { alive[me] ->
        if
        :: !MAY_OWN && commit == STALE -> commit = ABANDONED  /* TryAbandon, no wait */
        :: else
        fi }
     goto done
  :: else
  fi;
end4: atomic { alive[me] ->
#ifndef BROKEN_TAKE_LIVE
        if :: alive[seen - 1] -> goto done :: else fi  /* a live owner: Busy */
#endif
        skip }
#ifndef BROKEN_STALE_CHECK_FIRST
  /* After the owner is known dead: it can no longer commit, so a stale
   * value read now stays stale until our commit (or a timed-out abandon). */
end1: atomic { alive[me] -> if :: commit != STALE -> goto done :: else fi }
#endif
end5: atomic { alive[me] ->
#ifdef BROKEN_NO_CLAIMANT_CAS
        claimant = me + 1
#else
        if :: claimant == seen -> claimant = me + 1 :: else -> goto done fi
#endif
      }
end6: atomic { alive[me] -> claimed[me] = true }
end7: atomic { alive[me] -> write_ok(); unit[0] = 1 }
end8: atomic { alive[me] -> write_ok(); unit[1] = 1 }
end9: atomic { alive[me] ->
        if
        :: commit == STALE -> commit = COMMITTED
        :: else -> assert(tmo)  /* T3 */
        fi;
        claimed[me] = false }
done:
  skip
}

proctype Reader() {
  bool may;
  do
  :: atomic { commit == COMMITTED -> assert(unit[0] == 1 && unit[1] == 1); break }  /* T2 */
  :: atomic { commit == ABANDONED -> break }
  :: atomic { commit == STALE -> may = MAY_OWN }
     if
     :: !may || tmo ->
        atomic {
          if
          :: commit == STALE -> assert(tmo || claimant == NOBODY); commit = ABANDONED  /* T3 */
          :: else
          fi }
     :: else
     fi
  od
}

proctype Killer() {
  byte k;
  do
  :: deaths < MAXDEATHS ->
     select (k : 0 .. NPROC - 1);
     atomic {
       if
       :: alive[k] -> alive[k] = false; deaths++
       :: else
       fi }
  :: break
  od
}

/* The abandon timeout: fires at some moment, any moment. */
proctype Timer() {
  tmo = true
}

init {
  byte i;
  atomic {
    for (i : 0 .. NPROC - 1) { alive[i] = true }
    claiming[0] = true;
    run First();
    for (i : 1 .. NPROC - 1) { run Taker(i) }
    run Reader();
    run Killer();
    run Timer()
  }
}
