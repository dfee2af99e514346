/*
 * mongo-java-server's two backends (memory, h2) with one change to their query planning: a
 * query that names `_id` by equality (or `$in`) next to other conditions is served from the
 * `_id` index, its other conditions then checked on those documents, as a real MongoDB does.
 *
 * Stock mongo-java-server uses a unique index only when a query's keys are exactly the index's
 * keys: `{_id: X, status: "queued"}` scans the whole collection (2.5 ms by `_id` alone against
 * 140 ms with a status condition, over 50,000 documents). Applications had to add unique
 * indexes shaped like their filters to work around that, and each such index costs every write
 * of the collection (on this server, index upkeep is most of an update's time).
 *
 * Semantics are unchanged: a document that matches the whole query has that `_id`, so the
 * candidates from the `_id` index hold every match, and each is matched against the whole query.
 *
 * And one fix: stock collections add and drop indexes outside the lock their inserts take, and
 * an insert walking the list of indexes while a createIndexes adds one fails with a
 * ConcurrentModificationException ("Unknown error" at the client). Services create their
 * indexes at start while others already write, so here both take the collection's lock.
 */
package dev.loom.mongoserver;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import java.util.List;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

final class IdFirst {
    private IdFirst() {}

    /** The positions of the documents a query can match, from the `_id` index; null: plan as usual. */
    static <P> Iterable<P> candidates(List<Index<P>> indexes, Document query) {
        if (query.size() < 2 || !query.containsKey("_id")) return null;
        Document byId = new Document("_id", query.get("_id"));
        for (Index<P> index : indexes) {
            if (index.getName().equals("_id_")) return index.canHandle(byId) ? index.getPositions(byId) : null;
        }
        return null;
    }

    static final class Memory extends MemoryBackend {
        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            return new MemoryDatabase(databaseName, getCursorRegistry()) {
                @Override
                protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
                    return new MemoryCollection(this, collectionName, options, cursorRegistry) {
                        @Override
                        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fields) {
                            Iterable<Integer> byId = candidates(getIndexes(), query);
                            return byId != null ? matchDocuments(query, byId, orderBy, skip, limit, batchSize, fields) : super.queryDocuments(query, orderBy, skip, limit, batchSize, fields);
                        }

                        // Under the collection's lock, as its inserts and updates are (they walk the list of indexes).
                        @Override
                        public synchronized void addIndex(Index<Integer> index) {
                            super.addIndex(index);
                        }

                        @Override
                        public synchronized void dropIndex(String indexName) {
                            super.dropIndex(indexName);
                        }
                    };
                }
            };
        }
    }

    static final class H2 extends H2Backend {
        H2(String fileName) {
            super(fileName);
        }

        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            MVStore store = getMvStore();
            return new H2Database(databaseName, store, getCursorRegistry()) {
                // As H2Database.openOrCreateCollection, with the collection below.
                @Override
                protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
                    String full = getFullCollectionNamespace(collectionName);
                    MVMap<Object, Document> dataMap = store.openMap("databases." + full);
                    MVMap<String, Object> metaMap = store.openMap("meta." + full);
                    return new H2Collection(this, collectionName, options, dataMap, metaMap, cursorRegistry) {
                        @Override
                        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fields) {
                            Iterable<Object> byId = candidates(getIndexes(), query);
                            return byId != null ? matchDocuments(query, byId, orderBy, skip, limit, batchSize, fields) : super.queryDocuments(query, orderBy, skip, limit, batchSize, fields);
                        }

                        // Under the collection's lock, as its inserts and updates are (they walk the list of indexes).
                        @Override
                        public synchronized void addIndex(Index<Object> index) {
                            super.addIndex(index);
                        }

                        @Override
                        public synchronized void dropIndex(String indexName) {
                            super.dropIndex(indexName);
                        }
                    };
                }
            };
        }
    }
}
