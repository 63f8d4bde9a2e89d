package io.tokenwatch.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Response bodies read to a bound: every HTTP client of Tokenwatch (registry, usage APIs, Slack, other
 * instances) talks to a server that can answer anything, and a body larger than any real answer is a
 * broken or hostile dependency, not something to buffer. Above the bound the exchange is cancelled and
 * {@code send} throws {@link TooLargeException}, an {@link IOException}: callers treat it as the
 * dependency failing (retry, then stop), never as bad input. Kept in the lowest module so every client shares it.
 */
public final class BoundedBody {
    private BoundedBody() {
    }

    /** A response that declared or sent more than the bound. */
    public static final class TooLargeException extends IOException {
        TooLargeException(long maxBytes) {
            super("the response is larger than " + maxBytes + " bytes");
        }
    }

    /** The body as UTF-8 text, at most {@code maxBytes} of it. */
    public static HttpResponse.BodyHandler<String> ofString(int maxBytes) {
        return info -> new Limited(maxBytes, info.headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    private static final class Limited implements HttpResponse.BodySubscriber<String> {
        private final int maxBytes;
        private final long declared;
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        Limited(int maxBytes, long declared) {
            this.maxBytes = maxBytes;
            this.declared = declared;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (declared > maxBytes) {
                tooLarge();
            } else {
                subscription.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                if ((long) received.size() + buffer.remaining() > maxBytes) {
                    tooLarge();
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                received.writeBytes(chunk);
            }
        }

        private void tooLarge() {
            subscription.cancel();
            result.completeExceptionally(new TooLargeException(maxBytes));
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(received.toString(StandardCharsets.UTF_8));
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }
    }
}
