package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessOutput.Stream;
import dev.procmgr.api.ProcessSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Line splitting and the SLF4J target, on fakes. */
class OutputChannelTest {
    private final CoreTestSupport t = new CoreTestSupport();

    @AfterEach
    void close() {
        t.closeAll();
    }

    @Test
    void logTargetForwardsEveryLineToTheTagsLogger() {
        Logger logger = (Logger) LoggerFactory.getLogger("procmgr.output.logged");
        ListAppender<ILoggingEvent> app = new ListAppender<>();
        app.start();
        logger.addAppender(app);
        try {
            ProcessContainer c = t.pm.create("logged", ProcessSpec.builder("sleep")
                    .output(OutputSpec.log("WARN").and(OutputSpec.capture(5))).build());
            t.launcher.last().print("alpha\nbeta");
            t.launcher.last().exit(ExitStatus.exited(0));
            assertThat(app.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("[out] alpha", "[out] beta");
            assertThat(app.list).allMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN);
            assertThat(c.output().lines(Stream.STDOUT)).containsExactly("alpha", "beta");
        } finally {
            logger.detachAppender(app);
        }
    }

    @Test
    void splitterHandlesChunkBoundariesCrlfAndCuts() {
        List<String> lines = new ArrayList<>();
        LineSplitter s = new LineSplitter(8, lines::add);
        for (String chunk : new String[] {"ab", "c\nde", "f\r\n", "0123456789abc", "\nlast"}) {
            s.accept(ByteBuffer.wrap(chunk.getBytes(StandardCharsets.UTF_8)));
        }
        s.finish();
        assertThat(lines).containsExactly("abc", "def\r", "01234567 [cut]", "last");
    }

    @Test
    void splitterNeverSplitsAMultiByteCharacterAcrossChunks() {
        List<String> lines = new ArrayList<>();
        LineSplitter s = new LineSplitter(1024, lines::add);
        byte[] euro = "€\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : euro) {
            s.accept(ByteBuffer.wrap(new byte[] {b}));
        }
        assertThat(lines).containsExactly("€");
    }

    @Test
    void captureKeepsOnlyTheLastLines() {
        ProcessContainer c = t.pm.create("ring", ProcessSpec.builder("sleep").stdout(OutputSpec.capture(3)).build());
        for (int i = 1; i <= 10; i++) {
            t.launcher.last().print("line " + i + "\n");
        }
        assertThat(c.output().lines(Stream.STDOUT)).containsExactly("line 8", "line 9", "line 10");
        assertThat(c.output().lines(Stream.STDOUT, 1)).containsExactly("line 10");
        assertThat(c.output().lines(Stream.STDOUT, 0)).isEmpty();
    }
}
