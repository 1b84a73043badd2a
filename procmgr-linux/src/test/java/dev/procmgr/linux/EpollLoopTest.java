package dev.procmgr.linux;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The loop's thread: started by the first descriptor, hands over what is ready, survives a throwing handler. */
@Timeout(60)
class EpollLoopTest {

    @Test
    void readyDescriptorsReachTheHandlerOnTheLoopThreadEvenAfterItThrew() throws Exception {
        LinkedBlockingQueue<Integer> seen = new LinkedBlockingQueue<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        Memory buf = new Memory(64);
        EpollLoop loop = EpollLoop.create("epoll-loop-test", new EpollLoop.Handler() {
            private boolean thrown;

            @Override
            public int timeoutMillis() {
                return -1;
            }

            @Override
            public void ready(int[] fds, int count) {
                threads.add(Thread.currentThread().getName());
                for (int i = 0; i < count; i++) {
                    LibC.read(fds[i], buf, 64); // drain: level-triggered
                    seen.add(fds[i]);
                }
                if (!thrown) {
                    thrown = true;
                    throw new IllegalStateException("a handler failure must not end the loop");
                }
            }
        });
        int[] a = new int[2];
        int[] b = new int[2];
        assertThat(LibC.pipe2(a, LibC.O_CLOEXEC)).isZero();
        assertThat(LibC.pipe2(b, LibC.O_CLOEXEC)).isZero();
        try {
            LibC.fcntl(a[0], LibC.F_SETFL, LibC.O_NONBLOCK);
            LibC.fcntl(b[0], LibC.F_SETFL, LibC.O_NONBLOCK);
            assertThat(loop.add(a[0])).isTrue();
            assertThat(loop.add(b[0])).isTrue();
            write(a[1]);
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo(a[0]);
            write(b[1]);
            assertThat(seen.poll(10, TimeUnit.SECONDS)).as("after the handler threw").isEqualTo(b[0]);
            assertThat(threads).containsOnly("epoll-loop-test");
            loop.remove(a[0]);
            loop.remove(b[0]);
        } finally {
            for (int fd : new int[] {a[0], a[1], b[0], b[1]}) {
                LibC.close(fd);
            }
        }
    }

    private static void write(int fd) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "printf x > /proc/" + ProcessHandle.current().pid() + "/fd/" + fd)
                .start();
        assertThat(p.waitFor()).isZero();
    }
}
