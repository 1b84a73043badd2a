package dev.procmgr.linux;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The epoll set and the calls around it, against real pipes and a real child. */
@Timeout(60)
class EpollTest {

    @Test
    void aPipeIsReadyOnceWrittenAndItsBytesReadBack() throws Exception {
        Epoll epoll = Epoll.create();
        int[] fds = new int[2];
        assertThat(LibC.pipe2(fds, LibC.O_CLOEXEC)).isZero();
        try {
            assertThat(LibC.fcntl(fds[0], LibC.F_SETFL, LibC.O_NONBLOCK)).isZero();
            assertThat(epoll.add(fds[0])).isTrue();
            int[] ready = new int[8];
            assertThat(epoll.await(ready, 0)).as("nothing written yet").isZero();
            Memory buf = new Memory(16);
            assertThat(LibC.read(fds[0], buf, 16)).as("non-blocking: nothing to read").isEqualTo(-1);
            assertThat(com.sun.jna.Native.getLastError()).isEqualTo(LibC.EAGAIN);

            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "printf hi > /proc/" + ProcessHandle.current().pid()
                    + "/fd/" + fds[1]);
            assertThat(pb.start().waitFor()).isZero();
            assertThat(epoll.await(ready, 5_000)).isEqualTo(1);
            assertThat(ready[0]).isEqualTo(fds[0]);
            assertThat(LibC.read(fds[0], buf, 16)).isEqualTo(2);
            assertThat(buf.getString(0).substring(0, 2)).isEqualTo("hi");
            epoll.remove(fds[0]);
            assertThat(LibC.close(fds[1])).isZero();
            assertThat(epoll.await(ready, 0)).as("removed: end of file is not reported").isZero();
        } finally {
            LibC.close(fds[0]);
            LibC.close(fds[1]);
        }
    }

    @Test
    void aPidfdIsReadyAtItsChildsExitWithTheStatusForWaitid() throws Exception {
        Epoll epoll = Epoll.create();
        Process p = new ProcessBuilder("/bin/sh", "-c", "sleep 0.2; exit 5").start();
        int pidfd = LibC.pidfdOpen(p.pid());
        assertThat(pidfd).isNotNegative();
        try {
            assertThat(epoll.add(pidfd)).isTrue();
            int[] ready = new int[8];
            assertThat(epoll.await(ready, 10_000)).isEqualTo(1);
            assertThat(ready[0]).isEqualTo(pidfd);
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(5);
        } finally {
            epoll.remove(pidfd);
            LibC.close(pidfd);
        }
        assertThat(LibC.pidfdOpen(-1)).as("a bad pid").isEqualTo(-1);
    }
}
