package io.tokenwatch.runtime.http;

import io.tokenwatch.http.HttpReply;
import io.tokenwatch.http.HttpRoute;
import io.tokenwatch.runtime.config.CoreSettings;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The names a browser may use to reach the dashboard and API ({@code Host} header): the loopback names,
 * the address the port is bound to and the configured ones ({@code tokenwatch.http.allowed.hosts}). A page
 * of another site that rebinds its own name to this address (DNS rebinding) is refused. A port bound to
 * every interface with no names configured answers to any name, as it must behind an unknown proxy.
 */
public final class AllowedHosts {
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

    private final Set<String> names;
    private final boolean any;

    private AllowedHosts(Set<String> names, boolean any) {
        this.names = names;
        this.any = any;
    }

    public static AllowedHosts of(String boundAddress, List<String> configured) {
        Set<String> names = new HashSet<>(LOOPBACK_NAMES);
        names.add(boundAddress.toLowerCase(Locale.ROOT));
        configured.forEach(name -> names.add(name.toLowerCase(Locale.ROOT)));
        return new AllowedHosts(Set.copyOf(names), isWildcard(boundAddress) && configured.isEmpty());
    }

    /** Whether a request's {@code Host} header (possibly null, possibly with a port) names this server. */
    public boolean permits(String hostHeader) {
        if (any) {
            return true;
        }
        if (hostHeader == null) {
            return false;
        }
        String host = hostHeader.trim().toLowerCase(Locale.ROOT);
        int portAt = host.lastIndexOf(':');
        if (portAt > host.lastIndexOf(']')) {
            host = host.substring(0, portAt);
        }
        return names.contains(host);
    }

    /** {@code route} for the requests that name this server; the others are answered 421 and reach nothing. */
    public HttpRoute guard(HttpRoute route) {
        return call -> permits(call.header("Host")) ? route.handle(call)
                : HttpReply.text(421, "this server does not answer to that Host; see " + CoreSettings.HTTP_ALLOWED_HOSTS);
    }

    /** Whether the port answers on every interface. */
    public boolean answersAnyName() {
        return any;
    }

    public static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean isWildcard(String address) {
        try {
            return InetAddress.getByName(address).isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
