package io.tokenwatch.streams.reconcile;

/** A newer reconciler with the same transactional id started: this one must stop writing. */
public final class ReconcilerFencedException extends RuntimeException {
    ReconcilerFencedException(String transactionalId, Throwable cause) {
        super("another reconciler with transactional.id '" + transactionalId + "' started and took over; this one stops", cause);
    }
}
