package io.tokenwatch.streams.ordering;

/**
 * An upstream join task's promise: nothing it sends after this marker is ordered before
 * {@code watermark} (event time, millis). Sent to every partition of a repartition topic, so each
 * downstream task knows how far every upstream task has got.
 *
 * @param upstream  the sending task's input partition ({@link #RELEASED} for the buffer's own output)
 * @param upstreams how many upstream tasks there are (the input topics' partition count)
 * @param idle      both of the task's inputs are fetched to the end and quiet: it holds nothing back,
 *                  so downstream need not wait for it (what it reads later is taken as it arrives)
 */
public record ProgressMarker(int upstream, int upstreams, long watermark, boolean idle) {
    /** Upstream id of the marker a reorder buffer forwards after releasing everything before its watermark. */
    public static final int RELEASED = -1;
}
