package dev.procmgr.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as ops people write them: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h30m}; a bare number is seconds. */
final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");

    static final String HINT = "use a duration such as 500ms, 10s, 2m or 1h30m";

    private Durations() {
    }

    /**
     * @throws IllegalArgumentException with a message for the user
     */
    static Duration parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty duration; " + HINT);
        }
        try {
            if (NUMBER.matcher(s).matches()) {
                return ofNanos(new BigDecimal(s), 1_000_000_000L, text);
            }
            Matcher m = PART.matcher(s);
            Duration total = Duration.ZERO;
            int at = 0;
            while (at < s.length()) {
                if (!m.find(at) || m.start() != at) {
                    throw new IllegalArgumentException("invalid duration '" + text + "'; " + HINT);
                }
                long unit = switch (m.group(2)) {
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    case "h" -> 3_600_000_000_000L;
                    default -> 86_400_000_000_000L;
                };
                total = total.plus(ofNanos(new BigDecimal(m.group(1)), unit, text));
                at = m.end();
            }
            return total;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration '" + text + "' is too long");
        }
    }

    private static Duration ofNanos(BigDecimal amount, long unitNanos, String text) {
        BigDecimal nanos = amount.multiply(BigDecimal.valueOf(unitNanos));
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("duration '" + text + "' is too long");
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /** Short human form: {@code 500ms}, {@code 10s}, {@code 2m30s}, {@code 1h2m}. */
    static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.toMillis() < 1000) {
            return d.toMillis() + "ms";
        }
        long s = d.getSeconds();
        StringBuilder sb = new StringBuilder();
        if (s >= 86400) {
            sb.append(s / 86400).append('d');
            s %= 86400;
        }
        if (s >= 3600) {
            sb.append(s / 3600).append('h');
            s %= 3600;
        }
        if (s >= 60) {
            sb.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0 || sb.length() == 0) {
            sb.append(s);
            int ms = d.toMillisPart();
            if (ms > 0 && d.getSeconds() < 60) {
                sb.append('.').append(String.format(Locale.ROOT, "%03d", ms).replaceAll("0+$", ""));
            }
            sb.append('s');
        }
        return sb.toString();
    }

    /** Uptime as a status table shows it: {@code 0:01:23}, {@code 3d 4:05:06}. */
    static String clock(Duration d) {
        long s = Math.max(0, d.getSeconds());
        long days = s / 86400;
        s %= 86400;
        String hms = String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60);
        return days > 0 ? days + "d " + hms : hms;
    }

    /** Byte sizes: {@code 10MB}, {@code 512KiB}, {@code 1G}, or a bare number of bytes. Multiples of 1024. */
    static long parseSize(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT).replace(" ", "");
        Matcher m = Pattern.compile("(\\d+)(B|K|KB|KIB|M|MB|MIB|G|GB|GIB)?").matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size '" + text + "'; use a size such as 10MB, 512KB or 1GB");
        }
        long unit = switch (m.group(2) == null ? "B" : m.group(2).substring(0, 1)) {
            case "K" -> 1024L;
            case "M" -> 1024L * 1024;
            case "G" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
    }
}
