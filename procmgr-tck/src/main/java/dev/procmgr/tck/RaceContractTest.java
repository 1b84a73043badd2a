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
        // the marked shell's own forks carry its argv until they exec sleep: count tree roots only;
        // and wait a moment: a just-spawned child's /proc cmdline reads empty until the kernel has
        // set up its arguments (after a vfork-style spawn has already returned)
        ProcessContainer c = pm.fetch("contended").orElseThrow();
        Procs.await(SOON, () -> Procs.rootsWithMarker(marker).equals(List.of(c.pid())));
        assertThat(Procs.rootsWithMarker(marker)).containsExactly(c.pid());
    }
}
