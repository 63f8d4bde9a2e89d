package io.tokenwatch.producer;

/**
 * When spilled events are forced to disk. Either way a crash of the process alone loses nothing
 * written to the spill file (the operating system holds it); the choice is what a power loss or
 * kernel crash may lose.
 */
public enum SpillSync {
    /** After each batch the sender spilled: a machine crash loses at most the batch being written. */
    EVERY_BATCH,
    /** Once per replay interval: fewer disk flushes during a long outage; a machine crash may lose one interval's events. */
    INTERVAL
}
