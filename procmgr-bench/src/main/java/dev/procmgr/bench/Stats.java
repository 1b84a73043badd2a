package dev.procmgr.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Medians, extremes and percentiles over small samples. */
final class Stats {
    private Stats() {
    }

    static double median(List<Double> xs) {
        List<Double> s = sorted(xs);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double min(List<Double> xs) {
        return Collections.min(xs);
    }

    static double max(List<Double> xs) {
        return Collections.max(xs);
    }

    /** Nearest-rank percentile, {@code p} in (0, 100]. */
    static double percentile(List<Double> xs, double p) {
        List<Double> s = sorted(xs);
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
    }

    private static List<Double> sorted(List<Double> xs) {
        if (xs.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s;
    }
}
