package io.tokenwatch.streams.ordering;

/**
 * Whether a task has read everything there is on an input partition. A join task advances the
 * watermark of an input with the wall clock only when that input is caught up and quiet: during a
 * catch-up the wall clock says nothing about what is still unread.
 */
@FunctionalInterface
public interface InputLag {
    /** Never caught up: watermarks move with the records read only. */
    InputLag UNKNOWN = (topic, partition, nextOffset) -> false;

    /**
     * @param nextOffset the offset after the last record the task processed from the partition, or
     *                   -1 when it processed none since it was (re)initialised
     */
    boolean caughtUp(String topic, int partition, long nextOffset);
}
