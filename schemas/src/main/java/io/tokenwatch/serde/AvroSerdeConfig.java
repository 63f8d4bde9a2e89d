package io.tokenwatch.serde;

import io.tokenwatch.registry.CachingSchemaRegistryClient;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.registry.RestSchemaRegistryClient;
import io.tokenwatch.registry.SchemaRegistryClient;
import org.apache.kafka.common.config.ConfigException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serde settings, read with the same keys as Confluent's serializers so one properties file serves
 * either implementation.
 */
public final class AvroSerdeConfig {
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";
    public static final String BEARER_AUTH_CREDENTIALS_SOURCE = "bearer.auth.credentials.source";
    public static final String BEARER_AUTH_TOKEN = "bearer.auth.token";
    /** Attempts per registry request (not a Confluent key; Confluent's client ignores it). */
    public static final String REGISTRY_ATTEMPTS = "schema.registry.request.attempts";
    public static final String REGISTRY_TIMEOUT_MS = "schema.registry.request.timeout.ms";

    private static final Map<String, SchemaRegistryClient> CLIENTS = new ConcurrentHashMap<>();

    final String registryUrl;
    final boolean autoRegister;
    final boolean useLatestVersion;
    final boolean specificReader;
    final SubjectNameStrategy subjectNameStrategy;
    final DecodeLimits decodeLimits;
    /** The Authorization header (basic or bearer), or null: a secret, never logged. */
    private final String authorization;
    private final Map<String, ?> raw;

    public AvroSerdeConfig(Map<String, ?> configs, boolean isKey) {
        this.raw = configs;
        this.registryUrl = string(SCHEMA_REGISTRY_URL, null);
        if (registryUrl == null || registryUrl.isBlank()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, registryUrl, "a schema registry URL (http(s)://host:port or mock://scope) is required");
        }
        this.autoRegister = bool(AUTO_REGISTER_SCHEMAS, true);
        this.useLatestVersion = bool(USE_LATEST_VERSION, false);
        this.specificReader = bool(SPECIFIC_AVRO_READER, false);
        String strategyKey = isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY;
        this.subjectNameStrategy = SubjectNameStrategy.parse(strategyKey, string(strategyKey, "TopicNameStrategy"));
        this.authorization = resolveAuthorization();
        this.decodeLimits = DecodeLimits.from(configs);
    }

    /** {@code urls} (one or more, comma-separated) with the password of any credentials written in them masked, for messages and logs. */
    public static String masked(String urls) {
        return urls == null ? null : urls.replaceAll("(://[^:/@,]*):[^@/,]*@", "$1:***@");
    }

    /** The registry client for this configuration, shared across serdes of the JVM (its caches too). */
    public SchemaRegistryClient registryClient() {
        String cacheKey = registryUrl + "|" + (authorization == null ? "" : authorization.hashCode());
        return CLIENTS.computeIfAbsent(cacheKey, k -> new CachingSchemaRegistryClient(createClient()));
    }

    /**
     * A client of its own (not shared, no cache) making {@code attempts} tries of at most {@code timeout}
     * each: for a start-up check that must answer quickly without changing the serdes' client.
     */
    public SchemaRegistryClient probeClient(int attempts, Duration timeout) {
        return createClient(attempts, timeout);
    }

    private SchemaRegistryClient createClient() {
        return createClient((int) number(REGISTRY_ATTEMPTS, 3), Duration.ofMillis(number(REGISTRY_TIMEOUT_MS, 10_000)));
    }

    private SchemaRegistryClient createClient(int attempts, Duration timeout) {
        List<String> urls = Arrays.stream(registryUrl.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (urls.size() == 1 && urls.get(0).startsWith("mock://")) {
            return MockSchemaRegistry.forScope(urls.get(0).substring("mock://".length()));
        }
        List<URI> uris = urls.stream().map(this::httpUri).toList();
        return new RestSchemaRegistryClient(uris, authorization, sslContext(), attempts, timeout, Duration.ofMillis(100));
    }

    private URI httpUri(String url) {
        URI uri = URI.create(url);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, registryUrl, "each URL must be http(s):// (or a single mock://scope)");
        }
        return uri.getUserInfo() == null ? uri : URI.create(uri.getScheme() + "://" + uri.getHost()
                + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + (uri.getRawPath() == null ? "" : uri.getRawPath()));
    }

    private String resolveUserInfo() {
        String source = string(BASIC_AUTH_CREDENTIALS_SOURCE, "URL");
        switch (source.toUpperCase()) {
            case "USER_INFO": {
                String info = string(BASIC_AUTH_USER_INFO, string("schema.registry." + BASIC_AUTH_USER_INFO, null));
                if (info == null || !info.contains(":")) {
                    throw new ConfigException(BASIC_AUTH_USER_INFO, "(hidden)", "USER_INFO credentials need user:password");
                }
                return info;
            }
            case "URL": {
                String first = registryUrl.split(",")[0].trim();
                return first.startsWith("http") ? URI.create(first).getUserInfo() : null;
            }
            default:
                throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, source, "supported sources: URL, USER_INFO");
        }
    }

    /** Basic auth (Confluent's {@code basic.auth.*} keys) or a static bearer token ({@code bearer.auth.credentials.source=STATIC_TOKEN}). */
    private String resolveAuthorization() {
        String bearerSource = string(BEARER_AUTH_CREDENTIALS_SOURCE, null);
        if (bearerSource == null) {
            return RestSchemaRegistryClient.basic(resolveUserInfo());
        }
        if (!bearerSource.equalsIgnoreCase("STATIC_TOKEN")) {
            throw new ConfigException(BEARER_AUTH_CREDENTIALS_SOURCE, bearerSource, "this serde supports STATIC_TOKEN (Confluent's serde, swapped in, supports the others)");
        }
        String token = string(BEARER_AUTH_TOKEN, null);
        if (token == null || token.isBlank()) {
            throw new ConfigException(BEARER_AUTH_TOKEN, "(hidden)", "STATIC_TOKEN needs bearer.auth.token");
        }
        return RestSchemaRegistryClient.bearer(token.trim());
    }

    /** TLS to the registry: its trust store, and a key store when the registry wants a client certificate. */
    private SSLContext sslContext() {
        String trust = string(SSL_TRUSTSTORE_LOCATION, null);
        String key = string(SSL_KEYSTORE_LOCATION, null);
        if ((trust == null || trust.isBlank()) && (key == null || key.isBlank())) {
            return null;
        }
        try {
            TrustManagerFactory tmf = null;
            if (trust != null && !trust.isBlank()) {
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(loadStore(SSL_TRUSTSTORE_LOCATION, trust, string(SSL_TRUSTSTORE_TYPE, "PKCS12"), string(SSL_TRUSTSTORE_PASSWORD, null)));
            }
            KeyManagerFactory kmf = null;
            if (key != null && !key.isBlank()) {
                String storePassword = string(SSL_KEYSTORE_PASSWORD, null);
                String keyPassword = string(SSL_KEY_PASSWORD, storePassword);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(loadStore(SSL_KEYSTORE_LOCATION, key, string(SSL_KEYSTORE_TYPE, "PKCS12"), storePassword),
                        keyPassword == null ? null : keyPassword.toCharArray());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new ConfigException(SSL_TRUSTSTORE_LOCATION, trust, "cannot set up TLS to the registry: " + e.getMessage());
        }
    }

    private static KeyStore loadStore(String key, String location, String type, String password) {
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password == null ? null : password.toCharArray());
            return store;
        } catch (Exception e) {
            // The password is a secret: the message names the file and the problem only.
            throw new ConfigException(key, location, "cannot load " + type + " store: " + e.getMessage());
        }
    }

    private String string(String key, String defaultValue) {
        Object value = raw.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return value.toString();
    }

    private boolean bool(String key, boolean defaultValue) {
        String value = string(key, null);
        if (value == null) {
            return defaultValue;
        }
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new ConfigException(key, value, "expected true or false");
        }
        return Boolean.parseBoolean(value);
    }

    private long number(String key, long defaultValue) {
        String value = string(key, null);
        try {
            return value == null ? defaultValue : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected a number");
        }
    }
}
