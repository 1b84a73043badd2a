package dev.procmgr.core;

import dev.procmgr.api.Signal;
import dev.procmgr.spi.LaunchedProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the process tree of one run: the stop signal to the process group (when the run leads
 * one) and to every descendant found outside it, a wait of up to the stop timeout, then KILL to
 * whatever is left, then a wait until nothing of the tree lives. Asynchronous: driven by short
 * scheduler polls, so stopping a thousand processes costs no thread each.
 *
 * <p>Members are found through {@link ProcTable}: the group and session of a leader, the parent
 * chain of the pid, and every member seen before (so a child re-parented after its parent died is
 * still signalled). A pid is signalled only while its start time is the one first seen.
 */
final class TreeStopper {
    private static final Logger LOG = LoggerFactory.getLogger(TreeStopper.class);
    /** How long to wait for the tree to vanish after KILL before giving up with a warning. */
    static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final long SELF = ProcessHandle.current().pid();

    private final Scheduler scheduler;
    private final ProcTable.Source procs;
    private final Optional<Signals> posix;
    private final boolean procAvailable;

    /** kill(2), as far as the stopper needs it; {@link Posix} in production, a recorder in tests. */
    interface Signals {
        /** @return false when the group no longer exists */
        boolean killGroup(long pgid, Signal signal);

        /** @return false when the process no longer exists */
        boolean killPid(long pid, Signal signal);

        /** Whether any process (zombies included) is left in the group. */
        boolean groupExists(long pgid);
    }

    /**
     * @param procs process table snapshots, or null where /proc cannot be read
     * @param signals kill(2), or empty where libc cannot be loaded
     */
    TreeStopper(Scheduler scheduler, ProcTable.Source procs, Optional<? extends Signals> signals) {
        this.scheduler = scheduler;
        this.procs = procs;
        this.posix = signals.map(Signals.class::cast);
        this.procAvailable = procs != null;
    }

    /** The tree of one run. */
    record Target(String tag, LaunchedProcess process, boolean groupLeader, CompletableFuture<?> leaderExit) {
    }

    /**
     * Sends {@code first} now, KILL after {@code timeout}, and completes when the whole tree is
     * gone (or {@link #KILL_WAIT} after KILL, with a warning).
     */
    CompletableFuture<Void> stop(Target target, Signal first, Duration timeout) {
        if (alreadyGone(target)) {
            return CompletableFuture.completedFuture(null);
        }
        Job job = new Job(target, first, timeout);
        // on a scheduler thread: the /proc scan never runs on the caller's thread or under its locks
        scheduler.execute(job::begin);
        // the leader's exit usually ends the stop: look at once instead of at the next poll
        target.leaderExit().whenComplete((v, e) -> scheduler.execute(job::poll));
        return job.done;
    }

    /**
     * Whether a tree is gone without any scan: its leader exited (and was reaped: backends report
     * an exit only then) and no process is left in the group it led (a leader without a group of
     * its own has none). Nothing else of the tree can be found then either: a descendant outside
     * the group is found only through a live member, and a stop that begins now has seen none.
     * This makes {@code stop()} of an exited process one kill(2) call at most.
     */
    private boolean alreadyGone(Target t) {
        if (!t.leaderExit().isDone()) {
            return false;
        }
        if (!t.groupLeader()) {
            return true;
        }
        return procAvailable && posix.isPresent() && !posix.get().groupExists(t.process().pid());
    }

    /** Sends a signal to the tree of a run without waiting. */
    void signal(Target target, Signal signal) {
        Job job = new Job(target, signal, Duration.ZERO);
        ProcTable table = procAvailable ? procs.fresh() : null;
        job.collect(table);
        job.send(signal, table);
    }

    private final class Job {
        private final Target t;
        private final long pid;
        private final Signal first;
        private final long deadline;
        /** When the stop was asked for, on the clock of {@link ProcTable.Source#since}. */
        private final long requestedAt = System.nanoTime();
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final Map<Long, Long> seen = new HashMap<>(); // pid -> start ticks
        private final List<ProcessHandle> handles = new ArrayList<>(); // without /proc
        private boolean killed;
        private long killDeadline;
        private long pollMillis = 2;
        private boolean begun;
        private Scheduler.Cancellable next;
        private int polls;

        Job(Target t, Signal first, Duration timeout) {
            this.t = t;
            this.pid = t.process().pid();
            this.first = first;
            this.deadline = scheduler.nanoTime() + timeout.toNanos();
        }

        synchronized void begin() {
            // the tree as it was when the stop was asked for, before our signal can kill a parent
            // and orphan what it started outside the group; one snapshot serves every stop asked
            // for before its scan began, so stopping many processes costs a few scans, not one each
            ProcTable table = procAvailable ? procs.since(requestedAt) : null;
            collect(table);
            if (first == Signal.KILL) {
                killed = true;
                killDeadline = scheduler.nanoTime() + KILL_WAIT.toNanos();
            }
            send(first, table);
            begun = true;
            schedulePoll();
        }

        private void schedulePoll() {
            long delay = TimeUnit.MILLISECONDS.toNanos(pollMillis);
            if (!killed) {
                // KILL goes out at the deadline itself, not at the poll after it
                delay = Math.max(0, Math.min(delay, deadline - scheduler.nanoTime()));
            }
            if (next != null) {
                next.cancel(); // an exit-triggered poll came first: keep one chain of polls
            }
            next = scheduler.schedule(this::poll, Duration.ofNanos(delay));
            pollMillis = Math.min(50, pollMillis * 2);
        }

        /** A timer poll, or the leader's exit; the first poll may come before {@link #begin}. */
        synchronized void poll() {
            if (done.isDone() || !begun) {
                return;
            }
            long now = scheduler.nanoTime();
            boolean leaderGone = t.leaderExit().isDone();
            polls++;
            if (!leaderGone && !killed && now - deadline < 0 && polls % 8 != 0) {
                schedulePoll(); // the leader lives and nothing is due: no need to look at /proc yet
                return;
            }
            if (leaderGone && quicklyGone()) {
                done.complete(null);
                return;
            }
            ProcTable table = procAvailable ? procs.get() : null;
            collect(table);
            boolean treeAlive = anyAlive(table);
            if (!treeAlive && leaderGone) {
                done.complete(null);
                return;
            }
            if (!killed && now - deadline >= 0) {
                killed = true;
                killDeadline = now + KILL_WAIT.toNanos();
                LOG.info("stop timeout of '{}' (pid {}) passed; sending KILL to what is left", t.tag(), pid);
                send(Signal.KILL, table);
            } else if (killed && now - killDeadline >= 0) {
                LOG.warn("process tree of '{}' (pid {}) still not gone {} after KILL; giving up waiting", t.tag(), pid, KILL_WAIT);
                done.complete(null);
                return;
            } else if (killed && treeAlive) {
                send(Signal.KILL, table); // children forked since the last KILL
            }
            schedulePoll();
        }

        /**
         * Without a scan: the leader's group is empty and every member seen outside it is gone
         * (each checked by its own /proc entry).
         */
        private boolean quicklyGone() {
            if (!procAvailable || posix.isEmpty() || !t.groupLeader()
                    || (posix.get().groupExists(pid) && groupStillOurs())) {
                return false;
            }
            for (Map.Entry<Long, Long> e : seen.entrySet()) {
                Optional<ProcTable.Proc> p = ProcTable.read(e.getKey());
                if (p.isPresent() && !p.get().zombie() && p.get().startTicks() == e.getValue()) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Whether the process group numbered after the leader is still the one it led: while the
         * leader is not reaped its pid is ours; after that the number stays reserved only as long
         * as a member we saw lives in the group. Otherwise the number may now be another group's
         * (every procmgr child leads a group): it is never signalled or scanned.
         */
        private boolean groupStillOurs() {
            if (!t.leaderExit().isDone()) {
                return true;
            }
            if (!procAvailable) {
                return handles.stream().anyMatch(ProcessHandle::isAlive);
            }
            for (Map.Entry<Long, Long> e : seen.entrySet()) {
                if (e.getKey() == pid) {
                    continue;
                }
                Optional<ProcTable.Proc> p = ProcTable.read(e.getKey());
                if (p.isPresent() && !p.get().zombie() && p.get().startTicks() == e.getValue() && p.get().pgrp() == pid) {
                    return true;
                }
            }
            // the leader is reaped: a live process with its pid is someone else, and the group with
            // that number (if any) is theirs; with no such process, a group of that number can only
            // be the one our leader left behind (a number in use as a group id is never handed out)
            Optional<ProcTable.Proc> holder = ProcTable.read(pid);
            return holder.isEmpty() || holder.get().zombie();
        }

        /** Adds every live member of the tree in this snapshot to {@link #seen}. */
        void collect(ProcTable table) {
            if (table == null) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    if (!handles.contains(h)) {
                        handles.add(h);
                    }
                    h.descendants().filter(d -> !handles.contains(d)).forEach(handles::add);
                });
                return;
            }
            // the leader, its group and session, then everything below any member (also members
            // seen in earlier snapshots whose parent has died since)
            java.util.ArrayDeque<ProcTable.Proc> todo = new java.util.ArrayDeque<>();
            if (!t.leaderExit().isDone()) { // once reaped, the pid may belong to someone else
                table.get(pid).ifPresent(todo::add);
            }
            if (t.groupLeader() && groupStillOurs()) {
                todo.addAll(table.inGroupOrSession(pid));
            }
            for (Map.Entry<Long, Long> e : seen.entrySet()) {
                table.get(e.getKey()).filter(p -> p.startTicks() == e.getValue()).ifPresent(p -> {
                    todo.add(p);
                    if (p.pgrp() == p.pid() && p.pid() != pid) {
                        todo.addAll(table.inGroupOrSession(p.pid())); // an escaped member's own group
                    }
                });
            }
            java.util.Set<Long> visited = new java.util.HashSet<>();
            while (!todo.isEmpty()) {
                ProcTable.Proc p = todo.poll();
                if (!visited.add(p.pid()) || p.pid() == SELF) {
                    continue;
                }
                if (!p.zombie()) {
                    seen.putIfAbsent(p.pid(), p.startTicks());
                }
                todo.addAll(table.childrenOf(p.pid()));
            }
        }

        private boolean anyAlive(ProcTable table) {
            if (table == null) {
                return handles.stream().anyMatch(ProcessHandle::isAlive);
            }
            for (Map.Entry<Long, Long> e : seen.entrySet()) {
                Optional<ProcTable.Proc> p = table.get(e.getKey());
                if (p.isPresent() && !p.get().zombie() && p.get().startTicks() == e.getValue()) {
                    return true;
                }
            }
            return false;
        }

        /** @param now the snapshot the members were just collected from; null without /proc */
        void send(Signal sig, ProcTable now) {
            if (posix.isPresent()) {
                Signals px = posix.get();
                if (t.groupLeader() && groupStillOurs()) {
                    px.killGroup(pid, sig);
                }
                if (!procAvailable) {
                    for (ProcessHandle h : handles) {
                        if (h.isAlive()) {
                            px.killPid(h.pid(), sig);
                        }
                    }
                    return;
                }
                for (Map.Entry<Long, Long> e : seen.entrySet()) {
                    Optional<ProcTable.Proc> p = now.get(e.getKey());
                    boolean sameProcess = p.isPresent() && p.get().startTicks() == e.getValue() && !p.get().zombie();
                    boolean coveredByGroup = t.groupLeader() && p.isPresent() && p.get().pgrp() == pid;
                    if (sameProcess && !coveredByGroup) {
                        if (p.get().pgrp() == e.getKey() && e.getKey() != pid) {
                            // it left our group by making its own (setsid): its whole group is ours,
                            // including children forked since the snapshot
                            px.killGroup(e.getKey(), sig);
                        } else {
                            px.killPid(e.getKey(), sig);
                        }
                    }
                }
                if (!t.groupLeader() && t.process().isAlive()) {
                    px.killPid(pid, sig);
                }
                return;
            }
            // no libc: ProcessHandle refuses a pid whose start time changed, so reuse is safe
            if (handles.isEmpty() && procAvailable) {
                seen.keySet().forEach(p -> ProcessHandle.of(p).ifPresent(handles::add));
            }
            for (ProcessHandle h : handles) {
                if (sig == Signal.KILL) {
                    h.destroyForcibly();
                } else if (sig == Signal.TERM) {
                    h.destroy();
                } else if (h.pid() == pid) {
                    t.process().signal(sig);
                }
            }
        }
    }
}
