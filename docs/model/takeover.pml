/* Takeover of a dead restartable producer's claim (docs/shm_layout.md
 * section 7, "Restartable producers"; shm/recovery.h, Producer::TakeOverClaim).
 *
 * One id X. Process 0, a restartable producer, records its claim intent in
 * its slot (state INTENT|X) before its claim CAS, then makes the CAS, stores
 * the claimant (with data_pos before it), sets its slot CLAIMED|X (the
 * intent is gone then), writes two data units and commits with a CAS from
 * the stale value. With -DOTHER a non-restartable producer (slot CLAIMING,
 * no intent) races it for X: the loser's CAS fails and it moves on to X+1,
 * so process 0's intent for X may stay behind although X is not its claim.
 * TAKERS restarted producers (processes 1..TAKERS) may start at any moment,
 * even while process 0 lives (with -DRESTART_AFTER_DEATH only after process
 * 0 died, as a restarted bridge in does); each reads the claimant. A claimant
 * tagged X: it checks that the claimant's owner is dead. No claimant: it
 * takes the claim over if a dead restartable slot's intent names X and no
 * live slot may own X (one slot scan; atomic here), else it abandons X if,
 * asked again, no live slot, restartable claimant or intent may own it
 * (TryAbandon with no wait). Then it checks that the commit word is still
 * stale, CASes the claimant to itself, sets its slot CLAIMED|X, writes the
 * same record into the same units and commits with the same CAS. A reader
 * waits on X once it is claimed: it delivers a committed X, reports an
 * abandoned X, or abandons X itself (CAS from the stale value) when no live
 * producer slot may own it, the claimant does not say restartable and no
 * slot's intent names X, or after the abandon timeout. The timeout (tmo)
 * fires at any moment. A killer kills up to MAXDEATHS producers between any
 * two steps (the kernel drops their liveness locks at once), in particular
 * process 0 between its claim CAS and its claimant store.
 *
 * Checked (assertions):
 *  - T1: a ring entry is never rewritten once committed, nor once abandoned
 *    unless the timeout fired (a stalled live writer's late write, as for any
 *    producer: the record check covers that case, section 2).
 *  - T2: a delivered record is whole (both units hold one record).
 *  - T3: a restartable claim (process 0 won the CAS) is abandoned only after
 *    the timeout; a taker's commit fails only after it.
 *  - T4: a restarted taker that ran to its end while the timeout had not
 *    fired leaves process 0's claim committed: no abandoned id.
 * With -DHOLD (claims held: docs/shm_layout.md section 7, "Held claims") the
 * timeout abandons no claim that a restartable claimant or an intent marks,
 * and T3 and T4 hold whether or not it fired.
 * Exactly one of commit and abandon holds by construction (one CAS each from
 * the stale value). Memory is sequentially consistent (SPIN interleaving).
 *
 * Variants (each must be caught):
 *  - NO_INTENT: the protocol before the intent (a restartable producer's
 *    slot says CLAIMING before its claim CAS, like any producer's), checked
 *    against its own weaker T3 ("or when nobody ever stored its claimant"):
 *    process 0 killed between its claim CAS and its claimant store leaves no
 *    mark, X is abandoned early, and the restarted taker finds it so (T4).
 *  - BROKEN_INTENT_LIVE_ONLY: readers count an intent only while its owner
 *    lives, like CLAIMING (T3, T4).
 *  - BROKEN_EARLY_ABANDON: readers ignore the restartable claimant (T3).
 *  - BROKEN_TAKE_LIVE: a taker does not check that the owner is dead (T1).
 *  - BROKEN_NO_CLAIMANT_CAS: takers store the claimant instead of a CAS (T1;
 *    two takers).
 *  - BROKEN_HOLD_IGNORED (with HOLD): readers abandon a held claim after
 *    the timeout all the same (T3, T4 with hold).
 *  - BROKEN_STALE_CHECK_FIRST: a taker checks that the commit word is stale
 *    before it checks that the owner is dead, not after: the owner commits
 *    and dies in between, and the taker rewrites a committed record (T1).
 */

#ifndef TAKERS
#define TAKERS 1
#endif
#define NPROC (1 + TAKERS)
#define OTH NPROC         /* the non-restartable producer's index */
#ifndef MAXDEATHS
#define MAXDEATHS 1
#endif

#define STALE 0
#define COMMITTED 1
#define ABANDONED 2
#define NOBODY 0          /* claimant: 0 = not stored, k + 1 = process k */

byte commit = STALE;
byte claimant = NOBODY;
bool alive[NPROC + 1];
bool claiming[NPROC + 1]; /* slot state CLAIMING (before the claim CAS) */
bool intent0;             /* process 0's slot state INTENT|X */
bool claimed[NPROC + 1];  /* slot state CLAIMED|X */
bool cas_done;            /* X is claimed (head > X) */
bool first_won;           /* by process 0: X's claim is restartable */
byte unit[2];
bool tmo = false;
byte deaths = 0;

inline write_ok() {
  assert(commit != COMMITTED);        /* T1 */
  assert(commit != ABANDONED || tmo); /* T1 */
}

inline early_abandon_ok() {
#if defined(HOLD)
  assert(!first_won)                  /* T3 with hold: never, timeout or not */
#elif defined(NO_INTENT)
  assert(tmo || !first_won || claimant == NOBODY)  /* the old T3's exception */
#else
  assert(tmo || !first_won)           /* T3 */
#endif
}

/* Some live slot may still commit X (LiveClaimantMayExist's slot scan). */
#define LIVE_SLOT ((claiming[0] && alive[0]) || (claimed[0] && alive[0]) || \
                   (claimed[1] && alive[1]) || \
                   (NPROC > 2 && claimed[NPROC - 1] && alive[NPROC - 1]) || \
                   ((claiming[OTH] || claimed[OTH]) && alive[OTH]))
#define RESTARTABLE_CLAIMANT (claimant != NOBODY && claimant != OTH + 1)

#ifdef BROKEN_INTENT_LIVE_ONLY
#define INTENT_MARK (intent0 && alive[0])
#else
#define INTENT_MARK (intent0)  /* dead or alive: its restart may finish X */
#endif

#ifdef BROKEN_EARLY_ABANDON
#define MAY_OWN (LIVE_SLOT || INTENT_MARK)
#else
#define MAY_OWN (LIVE_SLOT || RESTARTABLE_CLAIMANT || INTENT_MARK)
#endif

/* -DHOLD: every restartable producer holds its claims (a mirror's bridge
 * in): the timeout does not abandon a claim that a restartable claimant or
 * an intent marks. */
#if defined(HOLD) && !defined(BROKEN_HOLD_IGNORED)
#define TIMED_OUT (tmo && !(RESTARTABLE_CLAIMANT || intent0))
#else
#define TIMED_OUT (tmo)
#endif

proctype First() {
end0: atomic { alive[0] ->
        if
        :: !cas_done -> cas_done = true; first_won = true
        :: else -> intent0 = false; claiming[0] = false; goto out  /* lost: on to X+1 */
        fi }
end1: atomic { alive[0] -> claimant = 1; claimed[0] = true; claiming[0] = false; intent0 = false }
end2: atomic { alive[0] -> write_ok(); unit[0] = 1 }
end3: atomic { alive[0] -> write_ok(); unit[1] = 1 }
end4: atomic { alive[0] ->
        if
        :: commit == STALE -> commit = COMMITTED
        :: else -> assert(tmo)  /* only a timed-out claim loses its commit */
        fi;
        claimed[0] = false }
out:
  skip
}

/* A non-restartable producer racing process 0 for X (-DOTHER). */
proctype Other() {
end0: atomic { alive[OTH] ->
        if
        :: !cas_done -> cas_done = true
        :: else -> claiming[OTH] = false; goto out
        fi }
end1: atomic { alive[OTH] -> claimant = OTH + 1; claimed[OTH] = true; claiming[OTH] = false }
end2: atomic { alive[OTH] -> write_ok(); unit[0] = 2 }
end3: atomic { alive[OTH] -> write_ok(); unit[1] = 2 }
end4: atomic { alive[OTH] ->
        if
        :: commit == STALE -> commit = COMMITTED
        :: else -> assert(tmo)
        fi;
        claimed[OTH] = false }
out:
  skip
}

/* A Busy answer: a restarted bridge in asks again later; a taker started
 * at any moment gives up (the state space stays small). */
#ifdef RESTART_AFTER_DEATH
#define BUSY goto retry
#else
#define BUSY goto done
#endif

proctype Taker(byte me) {
  byte seen;
#ifdef RESTART_AFTER_DEATH
end0: atomic { !alive[0] -> skip }
#endif
retry:
#ifdef BROKEN_STALE_CHECK_FIRST
end1: atomic { alive[me] && cas_done -> if :: commit != STALE -> goto done :: else fi }
#endif
end2: atomic { alive[me] && cas_done -> seen = claimant }
  if
  :: seen == NOBODY ->
     /* the owner died before its claimant store, or has not made it yet */
end3: atomic { alive[me] ->
        if
#ifndef NO_INTENT
        :: intent0 && !alive[0] && !LIVE_SLOT -> skip  /* take it over from the intent */
#endif
        :: else ->
           if
           :: !MAY_OWN && commit == STALE -> early_abandon_ok(); commit = ABANDONED  /* TryAbandon */
           :: else -> BUSY
           fi;
           goto done
        fi }
  :: seen == OTH + 1 ->
     /* not restartable: TryAbandon with no wait */
end3b: atomic { alive[me] ->
        if
        :: !MAY_OWN && commit == STALE -> early_abandon_ok(); commit = ABANDONED
        :: else -> BUSY
        fi }
     goto done
  :: else ->
end4: atomic { alive[me] ->
#ifndef BROKEN_TAKE_LIVE
        if :: alive[seen - 1] -> BUSY :: else fi  /* a live owner */
#endif
        skip }
  fi;
#ifndef BROKEN_STALE_CHECK_FIRST
  /* After the owner is known dead: it can no longer commit, so a stale
   * value read now stays stale until our commit (or a timed-out abandon). */
end1: atomic { alive[me] -> if :: commit != STALE -> goto done :: else fi }
#endif
end5: atomic { alive[me] ->
#ifdef BROKEN_NO_CLAIMANT_CAS
        claimant = me + 1
#else
        if :: claimant == seen -> claimant = me + 1 :: else -> BUSY fi
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
#if defined(RESTART_AFTER_DEATH) && defined(HOLD)
  assert(!first_won || commit == COMMITTED)  /* T4 with hold: timeout or not */
#elif defined(RESTART_AFTER_DEATH)
  assert(tmo || !first_won || commit == COMMITTED)  /* T4 */
#else
  skip
#endif
}

proctype Reader() {
  bool may;
end:
  do
  :: atomic { commit == COMMITTED -> assert(unit[0] != 0 && unit[0] == unit[1]); break }  /* T2 */
  :: atomic { commit == ABANDONED -> break }
  :: atomic { cas_done && commit == STALE -> may = MAY_OWN }
     if
     :: !may || TIMED_OUT ->
        atomic {
          if
          :: commit == STALE -> early_abandon_ok(); commit = ABANDONED
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
     select (k : 0 .. OTH);
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
#ifdef NO_INTENT
    claiming[0] = true;
#else
    intent0 = true;
#endif
    run First();
#ifdef OTHER
    alive[OTH] = true;
    claiming[OTH] = true;
    run Other();
#endif
    for (i : 1 .. NPROC - 1) { run Taker(i) }
    run Reader();
    run Killer();
    run Timer()
  }
}
