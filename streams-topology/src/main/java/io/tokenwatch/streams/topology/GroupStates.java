package io.tokenwatch.streams.topology;

import io.tokenwatch.streams.anomaly.OpenEpisodes;
import io.tokenwatch.streams.stats.RollingBaseline;
import io.tokenwatch.streams.stats.WindowSums;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The detector's state of the groups one release touches (Flink's mini-batch idea: one state access
 * per key per bundle): each group's baseline, windows, contributors and open episodes are decoded on
 * first use, changed in place by every delta of the release in order, and written back once when the
 * release ends ({@link #flush()}, before the upstream record's processing returns, so they commit
 * with it), or earlier once {@value #MAX_ENTRIES} entries are held, so a long catch-up release stays
 * within bounded heap. Nothing lives here across releases: the stores stay the truth.
 */
final class GroupStates {
    static final int MAX_ENTRIES = 20_000;

    private final KeyValueStore<Bytes, byte[]> windowStore;
    private final KeyValueStore<String, byte[]> baselineStore;
    private final KeyValueStore<String, byte[]> contributorStore;
    private final KeyValueStore<String, byte[]> episodeStore;
    /** Decoded state; a null window is one deleted in this release. */
    private final Map<String, RollingBaseline> baselines = new HashMap<>();
    private final Map<Bytes, WindowSums> windows = new HashMap<>();
    private final Map<String, Contributors> contributors = new HashMap<>();
    private final Map<String, OpenEpisodes> episodes = new HashMap<>();
    private final Set<String> changedBaselines = new HashSet<>();
    private final Set<Bytes> changedWindows = new HashSet<>();
    private final Set<String> changedContributors = new HashSet<>();
    private final Set<String> changedEpisodes = new HashSet<>();

    GroupStates(KeyValueStore<Bytes, byte[]> windowStore, KeyValueStore<String, byte[]> baselineStore,
                KeyValueStore<String, byte[]> contributorStore, KeyValueStore<String, byte[]> episodeStore) {
        this.windowStore = windowStore;
        this.baselineStore = baselineStore;
        this.contributorStore = contributorStore;
        this.episodeStore = episodeStore;
    }

    /** The group's baseline, or null for a group not seen (or forgotten). */
    RollingBaseline baseline(String groupKey) {
        return heldOrRead(baselines, baselineStore, groupKey, RollingBaseline::fromBytes);
    }

    void changedBaseline(String groupKey, RollingBaseline baseline) {
        baselines.put(groupKey, baseline);
        changedBaselines.add(groupKey);
    }

    /** A window's sums, or null when it has none. */
    WindowSums window(Bytes windowKey) {
        if (windows.containsKey(windowKey)) {
            return windows.get(windowKey);
        }
        byte[] stored = windowStore.get(windowKey);
        WindowSums sums = stored == null ? null : WindowSums.fromBytes(stored);
        windows.put(windowKey, sums);
        return sums;
    }

    void changedWindow(Bytes windowKey, WindowSums sums) {
        windows.put(windowKey, sums);
        changedWindows.add(windowKey);
    }

    void deletedWindow(Bytes windowKey) {
        changedWindow(windowKey, null);
    }

    /** The group's contributors as stored, or null. */
    Contributors contributors(String groupKey) {
        return heldOrRead(contributors, contributorStore, groupKey, Contributors::fromBytes);
    }

    /** What is held for a key, else what the store has, decoded and then held (null, not held, when the store has nothing). */
    private static <V> V heldOrRead(Map<String, V> held, KeyValueStore<String, byte[]> store, String key, Function<byte[], V> decode) {
        return held.computeIfAbsent(key, k -> {
            byte[] stored = store.get(k);
            return stored == null ? null : decode.apply(stored);
        });
    }

    void changedContributors(String groupKey, Contributors spenders) {
        contributors.put(groupKey, spenders);
        changedContributors.add(groupKey);
    }

    /** The group's open episodes (empty when none), changed in place; say so with {@link #changedEpisodes}. */
    OpenEpisodes episodes(String groupKey) {
        return episodes.computeIfAbsent(groupKey, k -> OpenEpisodes.fromBytes(episodeStore.get(k)));
    }

    void changedEpisodes(String groupKey) {
        changedEpisodes.add(groupKey);
    }

    /** Whether enough is held that it should be written back now, even inside a release. */
    boolean full() {
        return baselines.size() + windows.size() + contributors.size() + episodes.size() >= MAX_ENTRIES;
    }

    /** Writes back what changed, once per entry, and forgets everything held. */
    void flush() {
        for (String key : changedBaselines) {
            baselineStore.put(key, baselines.get(key).toBytes());
        }
        for (Bytes key : changedWindows) {
            WindowSums sums = windows.get(key);
            if (sums == null) {
                windowStore.delete(key);
            } else {
                windowStore.put(key, sums.toBytes());
            }
        }
        for (String key : changedContributors) {
            contributorStore.put(key, contributors.get(key).toBytes());
        }
        for (String key : changedEpisodes) {
            OpenEpisodes open = episodes.get(key);
            if (open.isEmpty()) {
                episodeStore.delete(key);
            } else {
                episodeStore.put(key, open.toBytes());
            }
        }
        clear();
    }

    /** Forgets everything held, unwritten: after a revive, the stores are the truth. */
    void clear() {
        baselines.clear();
        windows.clear();
        contributors.clear();
        episodes.clear();
        changedBaselines.clear();
        changedWindows.clear();
        changedContributors.clear();
        changedEpisodes.clear();
    }
}
