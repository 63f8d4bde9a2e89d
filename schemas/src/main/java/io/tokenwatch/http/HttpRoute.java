package io.tokenwatch.http;

import java.io.IOException;

/**
 * One path's handler: a request in, a reply out. Routes hold no server code, so each is tested as a
 * function and served by whichever server a process runs (the runtime's, in every Tokenwatch process).
 */
@FunctionalInterface
public interface HttpRoute {
    HttpReply handle(HttpCall call) throws IOException;
}
