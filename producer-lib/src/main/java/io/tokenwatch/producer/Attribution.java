package io.tokenwatch.producer;

import java.util.Map;
import java.util.TreeMap;

/**
 * Who and what a call's spend is attributed to. Service-wide defaults are set once on the client;
 * each call may override any field and add tags. Null fields mean "not set".
 */
public record Attribution(String feature, String team, String owner, String agent, String promptVersion, String environment,
                          Map<String, String> tags) {

    public static final Attribution NONE = new Attribution(null, null, null, null, null, null, Map.of());

    public Attribution {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    /** These values, with every non-null field of {@code overrides} taking precedence and tags merged. */
    public Attribution overriddenBy(Attribution overrides) {
        Map<String, String> merged = new TreeMap<>(tags);
        merged.putAll(overrides.tags);
        return new Attribution(pick(overrides.feature, feature), pick(overrides.team, team), pick(overrides.owner, owner),
                pick(overrides.agent, agent), pick(overrides.promptVersion, promptVersion), pick(overrides.environment, environment), merged);
    }

    public Attribution withFeature(String value) {
        return new Attribution(value, team, owner, agent, promptVersion, environment, tags);
    }

    public Attribution withTeam(String value) {
        return new Attribution(feature, value, owner, agent, promptVersion, environment, tags);
    }

    public Attribution withOwner(String value) {
        return new Attribution(feature, team, value, agent, promptVersion, environment, tags);
    }

    public Attribution withAgent(String value) {
        return new Attribution(feature, team, owner, value, promptVersion, environment, tags);
    }

    public Attribution withPromptVersion(String value) {
        return new Attribution(feature, team, owner, agent, value, environment, tags);
    }

    public Attribution withEnvironment(String value) {
        return new Attribution(feature, team, owner, agent, promptVersion, value, tags);
    }

    public Attribution withTag(String key, String value) {
        Map<String, String> more = new TreeMap<>(tags);
        more.put(key, value);
        return new Attribution(feature, team, owner, agent, promptVersion, environment, more);
    }

    private static String pick(String preferred, String fallback) {
        return preferred != null ? preferred : fallback;
    }
}
