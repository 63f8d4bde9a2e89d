package io.tokenwatch.streams.notify;

import org.apache.kafka.common.config.ConfigException;

import java.net.URI;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The webhook URLs, by name. They are secrets: loaded from {@code TOKENWATCH_SLACK_WEBHOOK_<NAME>}
 * environment variables and the optional mounted secret file ({@code name=url} lines, the file wins),
 * and only ever shown by name, never by URL.
 */
public final class Webhooks {
    private final Map<String, URI> urls;

    private Webhooks(Map<String, URI> urls) {
        this.urls = Collections.unmodifiableMap(new TreeMap<>(urls));
    }

    public static Webhooks load(SlackSettings settings, Map<String, String> env) {
        Map<String, String> raw = settings.webhookUrls(env);
        Map<String, URI> urls = new TreeMap<>();
        raw.forEach((name, url) -> {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                uri = null;
            }
            if (uri == null || uri.getHost() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
                // The value is a secret: name the webhook, never echo the URL.
                throw new ConfigException("Slack webhook '" + name + "' is not an http(s) URL");
            }
            urls.put(name, uri);
        });
        Webhooks webhooks = new Webhooks(urls);
        for (SlackSettings.Route route : settings.routes()) {
            webhooks.require(route.webhook(), "route " + route.dimension() + "=" + route.group());
        }
        webhooks.require(SlackSettings.DEFAULT_WEBHOOK, "alerts no route matches");
        return webhooks;
    }

    /** For tests and callers that already hold the URLs. */
    public static Webhooks of(Map<String, URI> urls) {
        return new Webhooks(urls);
    }

    private void require(String name, String usedBy) {
        if (!urls.containsKey(name)) {
            throw new ConfigException("No Slack webhook named '" + name + "' (used by " + usedBy + "): set "
                    + SlackSettings.webhookEnvVariable(name)
                    + " or add '" + name + "=https://hooks.slack.com/...' to tokenwatch.slack.webhooks.file");
        }
    }

    public URI url(String name) {
        URI url = urls.get(name);
        if (url == null) {
            throw new IllegalArgumentException("No webhook named " + name);
        }
        return url;
    }

    /** The webhook names, sorted. */
    public Set<String> names() {
        return urls.keySet();
    }

    @Override
    public String toString() {
        return "Webhooks" + names();
    }
}
