package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link LineRing} against the deque of Strings it replaced, on lines that make its buffers wrap, grow and shrink. */
class LineRingTest {

    @Test
    void keepsTheLastLinesInOrder() {
        LineRing r = new LineRing(3);
        for (String s : List.of("a", "bb", "", "dddd", "e")) {
            add(r, s, false);
        }
        assertThat(r.last(10)).containsExactly("", "dddd", "e");
        assertThat(r.last(2)).containsExactly("dddd", "e");
        assertThat(r.last(0)).isEmpty();
        assertThat(r.size()).isEqualTo(3);
    }

    @Test
    void aCutLineComesBackWithTheMark() {
        LineRing r = new LineRing(2);
        add(r, "whole", false);
        add(r, "cut sh", true);
        assertThat(r.last(2)).containsExactly("whole", "cut sh" + LineSplitter.CUT_MARK);
    }

    @Test
    void aCharacterSplitByTheWrapDecodesWhole() {
        // the data buffer starts at 256 bytes: 200 + 51 fill it to 5 bytes before its end; the
        // third line drops the first and starts there, so its second character straddles the wrap
        LineRing r = new LineRing(2);
        add(r, "x".repeat(200), false);
        add(r, "y".repeat(51), false);
        String euro = "€€€ end"; // three bytes each
        add(r, euro, false);
        assertThat(r.last(2)).containsExactly("y".repeat(51), euro);
    }

    @Test
    void aSingleLineRingKeepsOnlyTheLast() {
        LineRing r = new LineRing(1);
        add(r, "one", false);
        add(r, "two", false);
        assertThat(r.last(5)).containsExactly("two");
    }

    @Test
    void refusesAnEmptyRing() {
        assertThatThrownBy(() -> new LineRing(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void matchesADequeOfStringsOnRandomLines() {
        Random rnd = new Random(42);
        for (int maxLines : new int[] {1, 2, 7, 1000, 3000}) {
            LineRing r = new LineRing(maxLines);
            ArrayDeque<String> expected = new ArrayDeque<>();
            for (int i = 0; i < 20_000; i++) {
                // mostly short lines, now and then a burst of long ones (grows, then shrinks the data)
                int len = i % 5000 < 50 ? rnd.nextInt(70_000) : rnd.nextInt(120);
                String s = randomText(rnd, len);
                boolean cut = rnd.nextInt(50) == 0;
                add(r, s, cut);
                if (expected.size() == maxLines) {
                    expected.removeFirst();
                }
                expected.addLast(cut ? s + LineSplitter.CUT_MARK : s);
                if (i % 997 == 0 || i == 19_999) {
                    int n = rnd.nextInt(maxLines + 2);
                    List<String> all = new ArrayList<>(expected);
                    assertThat(r.last(n)).as("maxLines %d after %d lines, last %d", maxLines, i + 1, n)
                            .isEqualTo(all.subList(Math.max(0, all.size() - n), all.size()));
                }
            }
        }
    }

    private static void add(LineRing r, String s, boolean cut) {
        byte[] b = ("<<" + s + ">>").getBytes(StandardCharsets.UTF_8);
        r.add(b, 2, b.length - 4, cut); // an offset into a larger array, as the splitter hands it
    }

    private static String randomText(Random rnd, int len) {
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            int k = rnd.nextInt(20);
            sb.append(k == 0 ? 'é' : k == 1 ? '€' : (char) ('a' + rnd.nextInt(26)));
        }
        return sb.toString();
    }
}
