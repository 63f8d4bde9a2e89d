package io.tokenwatch.streams.stats;

/**
 * Every value Tokenwatch keeps in a state store or sends through a repartition topic starts with a
 * format byte, so its encoding can change between versions: a reader checks it before anything else
 * and refuses, by name, a format it does not know (state written by a newer version) instead of
 * misreading it.
 */
public final class StateFormat {
    private StateFormat() {
    }

    /** Checks the format byte {@code found} of a stored {@code what} against the one this version reads. */
    public static void check(byte found, byte expected, String what) {
        if (found != expected) {
            throw new IllegalStateException("Unknown " + what + " format " + found + " (this version reads format " + expected
                    + "): state written by another Tokenwatch version; reset the application to rebuild it");
        }
    }
}
