package io.tokenwatch.streams.topology;

/**
 * A group of one dimension, e.g. team = platform, and its key {@code dimension|group} in the detector's
 * stores and on the group repartition topic (the group may hold '|' itself; the dimension never does).
 */
public record GroupKey(String dimension, String group) {

    public static GroupKey of(String key) {
        int split = key.indexOf('|');
        return new GroupKey(key.substring(0, split), key.substring(split + 1));
    }

    public String key() {
        return dimension + "|" + group;
    }
}
