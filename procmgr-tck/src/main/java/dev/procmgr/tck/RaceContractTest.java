package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.DuplicateTagException;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;

/** The registry under contention: one tag, many creators. */
public abstract class RaceContractTest extends AbstractBackendTest {

    @RepeatedTest(3)
    void sixtyFourThreadsOneTagOneProcess() throws Exception {
        ProcessManager pm = newManager();
        int n = 64;
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger won = new AtomicInteger();
        AtomicInteger duplicate = new AtomicInteger();
        List<Throwable> other = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    pm.create("contended", "/bin/sh", "-c", "while :; do sleep 1; done", marker);
                    won.incrementAndGet();
                } catch (DuplicateTagException e) {
                    duplicate.incrementAndGet();
                } catch (Throwable e) {
                    other.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(other).isEmpty();
        assertThat(won.get()).isEqualTo(1);
        assertThat(duplicate.get()).isEqualTo(n - 1);
        // the marked shell's own forks carry its argv until they exec sleep: count tree roots only.
        // A process's /proc cmdline reads empty while it execs (after a vfork-style spawn has
        // returned, and again when the setsid prefix execs the shell), so one reading can miss the
        // root: ask for two readings in a row, 50 ms apart, that find exactly the one process. A
        // second process started for the tag would be a second root in every reading.
        ProcessContainer c = pm.fetch("contended").orElseThrow();
        List<Long> one = List.of(c.pid());
        boolean settled = Procs.await(SOON, () -> Procs.rootsWithMarker(marker).equals(one)
                && pause(50)
                && Procs.rootsWithMarker(marker).equals(one));
        assertThat(settled).as("tree roots with the marker, expected only %s: %s", one, Procs.rootsWithMarker(marker)).isTrue();
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
