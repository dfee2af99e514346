/*
 * Tiny launcher for mongo-java-server (de.bwaldvogel), a MongoDB wire-protocol server in Java.
 *
 * Why this server: each collection applies every write under one lock, so single-document
 * atomicity holds as on real MongoDB -- conditional updates, findOneAndUpdate "claims" and
 * $inc cannot interleave or lose updates. It has NO multi-document transactions; do not rely on them.
 *
 * Why we report version 4.4 / wire version 9: the Node MongoDB driver refuses servers that are
 * too old (driver 7.0 needs wire >= 8 = MongoDB 4.2; driver >= 7.8, as used here, needs wire >= 9
 * = MongoDB 4.4). mongo-java-server 1.47.0 only offers ServerVersion MONGO_3_6 (wire 6),
 * MONGO_4_0 (wire 7) and MONGO_5_0 (wire 8, the default; there is no MONGO_4_2), so we pass our
 * own MongoVersion. The library uses it only for hello/buildInfo/serverStatus, and the driver only
 * gates optional features on it; the real feature set is still that of mongo-java-server.
 *
 * Usage: java -jar mongo-server.jar [--port N] [--host H] [--backend memory|h2] [--file PATH]
 * Env fallbacks: MONGO_SERVER_PORT, MONGO_SERVER_HOST, MONGO_SERVER_BACKEND, MONGO_SERVER_FILE.
 */
package dev.loom.mongoserver;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.AbstractMongoBackend;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import java.util.List;

public final class MongoServerLauncher {
    /** MongoDB 4.4 = wire version 9: the oldest server the Node driver (>= 7.8) accepts. */
    static final MongoVersion MONGO_4_4 = new MongoVersion() {
        @Override public List<Integer> getVersionArray() { return List.of(4, 4, 0); }
        @Override public int getWireVersion() { return 9; }
    };

    public static void main(String[] args) {
        // slf4j-simple config; must be set before the first logger is created (override with -D...).
        // The wire handler logs a stack trace for every command error it returns to the client
        // (e.g. drop of a missing collection); the client already gets the error, so silence it.
        defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        defaultProperty("org.slf4j.simpleLogger.logFile", "System.err");
        defaultProperty("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler", "off");

        String host = opt(args, "--host", "MONGO_SERVER_HOST", "127.0.0.1");
        int port = Integer.parseInt(opt(args, "--port", "MONGO_SERVER_PORT", "27017"));
        String kind = opt(args, "--backend", "MONGO_SERVER_BACKEND", "memory");
        String file = opt(args, "--file", "MONGO_SERVER_FILE", null);

        AbstractMongoBackend backend;
        switch (kind) {
            case "memory" -> backend = new IdFirst.Memory(); // the stock backends, `_id` first (IdFirst.java)
            case "h2" -> {
                if (file == null) fail("--file PATH is required for --backend h2");
                backend = new IdFirst.H2(file);
            }
            default -> { fail("unknown --backend " + kind + " (memory|h2)"); return; }
        }
        backend.version(MONGO_4_4);

        MongoServer server = new MongoServer(backend);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow(); // stops listening, closes clients, closes backend
            if (backend instanceof H2Backend h2 && !h2.getMvStore().isClosed()) h2.close(); // flush MVStore
        }, "mongo-server-shutdown"));

        try {
            server.bind(host, port);
        } catch (Exception e) { // e.g. BindException (thrown sneakily): exit, do not hang on Netty threads
            fail("cannot listen on " + host + ":" + port + ": " + e);
        }
        System.out.println("mongo-java-server listening on " + host + ":" + port + " (backend=" + kind + ")");
        System.out.flush();
    }

    private static String opt(String[] args, String name, String env, String def) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name)) {
                if (i + 1 >= args.length) fail(name + " needs a value");
                return args[i + 1];
            }
            if (args[i].startsWith(name + "=")) return args[i].substring(name.length() + 1);
        }
        String v = System.getenv(env);
        return v != null && !v.isEmpty() ? v : def;
    }

    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    private static void fail(String msg) {
        System.err.println("mongo-server: " + msg);
        System.exit(2);
    }
}
