// Generated from the gateway's OpenAPI document by `npm run generate -w @loom/client`: do not edit.
// test: clients/typescript/src/generated.test.ts fails when this file is not what the document gives.
export interface paths {
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The task center page (HTML) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The page. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                    };
                };
                /** @description The page is not built. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/app/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The task center's script and styles */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    file: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description main.js or main.css. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/css": string;
                        "text/javascript": string;
                    };
                };
                /** @description No such file (ROUTE_NOT_FOUND). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The process is alive. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: MongoDB and RabbitMQ connected */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Ready. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Not ready. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/account": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's credits: balance and held
         * @description A tenant without an account has 0 and 0 (it can run only types without a price).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The account. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Account"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/account/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's ledger, newest first */
        get: {
            parameters: {
                query?: {
                    /** @description From 1 (at most 1,000,000). Default 1. */
                    page?: number;
                    /** @description Default 50, at most 200. */
                    pageSize?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of ledger entries. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LedgerPage"];
                    };
                };
                /** @description Bad query (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/account/limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's submission limits
         * @description Submissions per second (with a burst) and unfinished tasks at most; over either, a submission is answered 429 with Retry-After.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The limits in effect. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TenantLimits"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an API key (operators)
         * @description Its task center sessions end at once on every gateway replica; the key itself stops working at once on the replica that revoked it and within 5 s on the others (their key cache). Revoking a revoked key again answers the same.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description API key id (keyId of the key list) */
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The key, revoked. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RevokedApiKey"];
                    };
                };
                /** @description A malformed key id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No key with this id (API_KEY_NOT_FOUND). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every tenant with an account (operators) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The tenants, by id. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Account"][];
                    };
                };
                /** @description Missing or unknown API key, or no live session (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a tenant (operators)
         * @description Opens an account with balance 0 and issues its first user API key, shown once.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateTenant"];
                };
            };
            responses: {
                /** @description The tenant and its API key. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CreatedTenant"];
                    };
                };
                /** @description Bad body (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/tenants/{tenantId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A tenant's credits (operators) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Tenant id */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The account. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Account"];
                    };
                };
                /** @description A malformed tenant id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No account for this tenant (TENANT_NOT_FOUND). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/tenants/{tenantId}/credits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Grant or deduct a tenant's credits (operators)
         * @description One ledger entry (grant or deduct). Opens the account on first use. With idempotencyKey, a repeated request changes nothing.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Tenant id */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreditsChange"];
                };
            };
            responses: {
                /** @description The account after the change. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Account"];
                    };
                };
                /** @description Bad body (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A deduction larger than the balance (BALANCE_TOO_LOW, details {balance, amount}). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/tenants/{tenantId}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A tenant's API keys, revoked ones included (operators) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Tenant id */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The keys, oldest first (never the keys themselves). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKey"][];
                    };
                };
                /** @description A malformed tenant id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Issue an API key for a tenant (operators)
         * @description The key is in the answer this once; only its hash is stored. Also how a tenant whose keys were all revoked is let in again.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Tenant id */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["IssueApiKey"];
                };
            };
            responses: {
                /** @description The new key. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["IssuedApiKey"];
                    };
                };
                /** @description A malformed tenant id or a bad body (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /**
         * Revoke every API key of a tenant, shutting it out (operators)
         * @description Its task center sessions end at once on every gateway replica; the key itself stops working at once on the replica that revoked it and within 5 s on the others (their key cache). Its tasks keep running; nothing authenticates as the tenant until a new key is issued.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Tenant id */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description How many keys and sessions were ended. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RevokedTenantKeys"];
                    };
                };
                /** @description A malformed tenant id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/tenants/{tenantId}/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Any tenant's ledger, newest first (operators) */
        get: {
            parameters: {
                query?: {
                    /** @description From 1 (at most 1,000,000). Default 1. */
                    page?: number;
                    /** @description Default 50, at most 200. */
                    pageSize?: number;
                };
                header?: never;
                path: {
                    /** @description Tenant id */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of ledger entries. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LedgerPage"];
                    };
                };
                /** @description A malformed tenant id or a bad query (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No account for this tenant (TENANT_NOT_FOUND). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/tenants/{tenantId}/limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A tenant's submission limits (operators) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Tenant id */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The limits in effect and the tenant’s own overrides. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TenantLimits"];
                    };
                };
                /** @description A malformed tenant id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /**
         * Set a tenant's submission limits (operators)
         * @description Sets the given overrides (null: back to the default); fields left out stay. Every gateway replica applies them within seconds.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Tenant id */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["TenantLimitsChange"];
                };
            };
            responses: {
                /** @description The limits now in effect. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TenantLimits"];
                    };
                };
                /** @description A malformed tenant id or a bad body (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an operator key (FORBIDDEN). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit a batch of tasks of one type
         * @description Every item is checked like a task input (a failing field is named items.<i>.<field>). The sum of the prices is held up front; when every item is terminal the batch is settled in one step: successes captured, the rest released (task.settled + batch.settled events).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SubmitBatch"];
                };
            };
            responses: {
                /** @description The idempotency key was used before: the batch it created. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchCreated"];
                    };
                };
                /** @description Accepted: the batch and its pending tasks. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchCreated"];
                    };
                };
                /** @description Invalid body or item (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The balance does not cover the price (INSUFFICIENT_CREDITS, details {balance, price}); nothing was created. */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown task type (UNKNOWN_TASK_TYPE), idempotency key reused for a different request (IDEMPOTENCY_KEY_REUSED), or more items than the tenant's burst or maxWaiting could ever admit at once (LIMIT_TOO_LOW). */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The batch (each item counts as a submission) is over one of the tenant's limits; nothing was created. SUBMIT_RATE_LIMITED: more than submitsPerSecond (details {limit, submitsPerSecond, burst, retryAfterSeconds}); TOO_MANY_WAITING_TASKS: maxWaiting tasks are already unfinished (details {limit, maxWaiting, waiting, retryAfterSeconds}). GET /v1/account/limits shows the limits. */
                429: {
                    headers: {
                        /** @description Whole seconds (at least 1) to wait before sending it again. */
                        "Retry-After": number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A batch: its items per status and its settlement */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Batch id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The batch. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Batch"];
                    };
                };
                /** @description A malformed batch id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such batch for this caller (BATCH_NOT_FOUND). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live task events (Server-Sent Events)
         * @description Each event is `id: <event id>` + `event: <name>` + `data: <LiveEvent JSON>`; a comment heartbeat every 15 s. The caller's tenant's tasks (operators: all); with taskId, that task only, starting with a task.snapshot event. A client that reconnects with `Last-Event-ID` (header, or the lastEventId query parameter) gets the events it missed from this gateway; when they are no longer known (another replica, a restart, too long away) it gets a fresh task.snapshot instead (with taskId), or a stream.reset event (without), and should read the current state again. The same events come over a WebSocket at /v1/ws (one LiveEvent JSON per text frame, same query and auth, the session cookie only with an Origin of this gateway, else 403; not described here, since OpenAPI cannot describe a WebSocket: a GET without the upgrade answers 426 UPGRADE_REQUIRED). Either closes within 5 s of its API key being revoked or its session ending.
         */
        get: {
            parameters: {
                query?: {
                    /** @description For browsers, which cannot set the Authorization header on EventSource/WebSocket. */
                    apiKey?: string;
                    /** @description Resume after this event id (as the Last-Event-ID header, for clients that cannot set it on a new stream). */
                    lastEventId?: string;
                    /** @description Only the events of this task (a snapshot of it comes first). */
                    taskId?: string;
                };
                header?: {
                    /** @description Resume after this event id: EventSource sends it when it reconnects. */
                    "last-event-id"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The stream: one SSE event per LiveEvent. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["SseEvent"];
                    };
                };
                /** @description A malformed task id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such task for this caller (TASK_NOT_FOUND); another tenant's task is not found, never 403. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OpenAPI 3 document. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Per task type: running now, waiting, and the last hour
         * @description Counts are platform-wide (a type runs one task at a time across tenants); a running task's id is shown to its own tenant and to operators only. The hour: finished per minute, failure rate and duration percentiles of successes.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Queue statistics. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["QueueStats"];
                    };
                };
                /** @description Missing or unknown API key, or no live session (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The session the cookie stands for */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The live session. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description No cookie, or the session has ended or expired (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Sign in to the task center with an API key
         * @description Sets an HttpOnly, SameSite=Strict session cookie (loom_session, path /v1, 12 h); the key itself is not kept by the browser. Needs the x-loom-csrf header.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SignIn"];
                };
            };
            responses: {
                /** @description Signed in; the cookie is set. */
                201: {
                    headers: {
                        /** @description loom_session=<token>; Path=/v1; HttpOnly; SameSite=Strict */
                        "Set-Cookie"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description Bad body (VALIDATION_FAILED), or malformed JSON (MALFORMED_JSON). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Without the x-loom-csrf header, or from another origin (CSRF_REJECTED). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body larger than 4 kB (PAYLOAD_TOO_LARGE). */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Sign out: end the session on the server and clear the cookie */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed out (also when there was no session). */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Without the x-loom-csrf header, or from another origin (CSRF_REJECTED). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/task-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The configured task types, their price and the JSON schema of their input */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Task types. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TaskType"][];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List tasks, newest first */
        get: {
            parameters: {
                query?: {
                    batchId?: string;
                    /** @description Created at or after this instant. */
                    createdAfter?: string;
                    /** @description Created strictly before this instant. */
                    createdBefore?: string;
                    /** @description From 1 (at most 1,000,000). Default 1. */
                    page?: number;
                    /** @description Default 20, at most 100. */
                    pageSize?: number;
                    /** @description Search: the task id, its idempotency key, or words of its input (every word, whole words, any case). */
                    q?: string;
                    status?: "pending" | "queued" | "running" | "delayed" | "succeeded" | "failed" | "cancelled";
                    type?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of tasks. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TaskPage"];
                    };
                };
                /** @description Bad query (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Submit a task
         * @description Answers 202 with the new pending task; a repeated idempotencyKey answers 200 with the task it created first.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SubmitTask"];
                };
            };
            responses: {
                /** @description The idempotency key was used before: the task it created. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description Accepted: the task is pending. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description Invalid body or input (VALIDATION_FAILED, details name each field), or malformed JSON (MALFORMED_JSON). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The balance does not cover the price (INSUFFICIENT_CREDITS, details {balance, price}); nothing was created. */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body larger than the limit (PAYLOAD_TOO_LARGE). */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown task type (UNKNOWN_TASK_TYPE), or idempotency key reused for a different request (IDEMPOTENCY_KEY_REUSED). */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The submission is over one of the tenant's limits; nothing was created. SUBMIT_RATE_LIMITED: more than submitsPerSecond (details {limit, submitsPerSecond, burst, retryAfterSeconds}); TOO_MANY_WAITING_TASKS: maxWaiting tasks are already unfinished (details {limit, maxWaiting, waiting, retryAfterSeconds}). GET /v1/account/limits shows the limits. */
                429: {
                    headers: {
                        /** @description Whole seconds (at least 1) to wait before sending it again. */
                        "Retry-After": number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a task
         * @description A queued task carries `queue`: its position, what blocks it and an estimated start.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Task id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The task. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description A malformed task id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such task for this caller (TASK_NOT_FOUND); another tenant's task is not found, never 403. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a finished task and its logs */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Task id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description A malformed task id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such task for this caller (TASK_NOT_FOUND); another tenant's task is not found, never 403. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Still waiting or running: cancel it first (TASK_NOT_FINISHED). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a task */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Task id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description It was waiting and is cancelled. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CancelResult"];
                    };
                };
                /** @description It is running: its executor was asked to stop (status cancelling). */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CancelResult"];
                    };
                };
                /** @description A malformed task id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such task for this caller (TASK_NOT_FOUND); another tenant's task is not found, never 403. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description It has already finished (TASK_FINISHED). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A task's log lines, oldest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Task id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Log lines. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TaskLogLine"][];
                    };
                };
                /** @description A malformed task id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such task for this caller (TASK_NOT_FOUND); another tenant's task is not found, never 403. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Retry a failed or cancelled task as a new attempt */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Task id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The task, pending again. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description A malformed task id (VALIDATION_FAILED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A priced task is held again for a manual retry: the balance does not cover it (INSUFFICIENT_CREDITS). */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such task for this caller (TASK_NOT_FOUND); another tenant's task is not found, never 403. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Neither failed nor cancelled (TASK_NOT_RETRYABLE), or a batch item whose batch has not settled yet (BATCH_NOT_SETTLED). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Its type is no longer configured (UNKNOWN_TASK_TYPE). */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The retry (a new run counts as a submission) is over one of the tenant's limits; nothing was created. SUBMIT_RATE_LIMITED: more than submitsPerSecond (details {limit, submitsPerSecond, burst, retryAfterSeconds}); TOO_MANY_WAITING_TASKS: maxWaiting tasks are already unfinished (details {limit, maxWaiting, waiting, retryAfterSeconds}). GET /v1/account/limits shows the limits. */
                429: {
                    headers: {
                        /** @description Whole seconds (at least 1) to wait before sending it again. */
                        "Retry-After": number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/bulk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit many tasks in one request
         * @description Up to 500 tasks, of any types, each as POST /v1/tasks takes it. Whatever can refuse the request is decided for all of them before anything is written, so a 400, 402, 422 or 429 creates nothing: each body is checked (details name `tasks.<i>.<field>`), a repeated idempotency key answers with its first task, the limits admit all the new tasks or none, and every price is held or none. Then the tasks are written together, and each item answers on its own.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SubmitTasks"];
                };
            };
            responses: {
                /** @description Every item has its task (created, or the first task of its idempotency key). */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SubmitTasksResult"];
                    };
                };
                /** @description Some item could not be written (its item is an Error); the others have their tasks. */
                207: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SubmitTasksResult"];
                    };
                };
                /** @description Invalid body or input of some item (VALIDATION_FAILED, details name each field as tasks.<i>.<field>; a key repeated inside the request is one), or malformed JSON. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The balance does not cover the prices of the new tasks together (INSUFFICIENT_CREDITS, details {balance, price}); nothing was created. */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body larger than the limit (PAYLOAD_TOO_LARGE). */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An unknown task type, or an idempotency key reused for a different request; the message names the item (tasks.<i>). Or more new tasks than the tenant's burst or maxWaiting could ever admit at once (LIMIT_TOO_LOW, details {limit, burst or maxWaiting, requested}). */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The submission is over one of the tenant's limits; nothing was created. SUBMIT_RATE_LIMITED: more than submitsPerSecond (details {limit, submitsPerSecond, burst, retryAfterSeconds}); TOO_MANY_WAITING_TASKS: maxWaiting tasks are already unfinished (details {limit, maxWaiting, waiting, retryAfterSeconds}). GET /v1/account/limits shows the limits. */
                429: {
                    headers: {
                        /** @description Whole seconds (at least 1) to wait before sending it again. */
                        "Retry-After": number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel tasks by ids, by types, or all */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["BulkCancel"];
                };
            };
            responses: {
                /** @description What was cancelled and what was not found. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BulkCancelResult"];
                    };
                };
                /** @description Bad body (VALIDATION_FAILED), or malformed JSON (MALFORMED_JSON). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/cleanup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Delete finished tasks older than a date or an age
         * @description Users clean their tenant's tasks; operators every tenant's.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Cleanup"];
                };
            };
            responses: {
                /** @description How many were deleted. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CleanupResult"];
                    };
                };
                /** @description Bad body (VALIDATION_FAILED), or malformed JSON (MALFORMED_JSON). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry failed and cancelled tasks by ids or by filter
         * @description Each task as POST /v1/tasks/{id}/retry would (a priced task is held again). dryRun answers `matched` and changes nothing.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["BulkRetry"];
                };
            };
            responses: {
                /** @description What was retried and what could not be, with why. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BulkRetryResult"];
                    };
                };
                /** @description Bad body (VALIDATION_FAILED), or malformed JSON (MALFORMED_JSON). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or unknown API key, or no live session (UNAUTHENTICATED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A cookie-authenticated write without the x-loom-csrf header, or from another origin (CSRF_REJECTED). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body larger than the limit (PAYLOAD_TOO_LARGE). */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The filter matches more than 10,000 tasks (BULK_TOO_LARGE, details {matched, limit}). */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{provider}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A provider's callback (signed by the provider, not by an API key)
         * @description Verified by the provider adapter (Standard Webhooks signature, or the task-bound loom_token of the callback URL), handed on to status-sync, and answered once per delivery id.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description replicate, runninghub or grsai */
                    provider: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description This delivery was accepted before (duplicate: true); nothing is handed on again. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookAccepted"];
                    };
                };
                /** @description Accepted and handed on. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookAccepted"];
                    };
                };
                /** @description A body the provider adapter cannot read (WEBHOOK_MALFORMED). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A missing or wrong signature or token (WEBHOOK_REJECTED). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No provider by this name (UNKNOWN_PROVIDER). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Account: {
            /** @description Credits that may be spent. */
            balance: number;
            /** @description Credits set aside for tasks and batches still running. */
            held: number;
            name: string | null;
            tenantId: string;
        };
        ApiKey: {
            /** Format: date-time */
            createdAt: string;
            keyId: string;
            name: string;
            /**
             * Format: date-time
             * @description When it was revoked; null while it works.
             */
            revokedAt: string | null;
            /** @enum {string} */
            role: "user" | "operator";
            tenantId: string;
        };
        Batch: {
            batchId: string;
            /** @description Items per status. */
            counts: {
                cancelled: number;
                delayed: number;
                failed: number;
                pending: number;
                queued: number;
                running: number;
                succeeded: number;
            };
            /** Format: date-time */
            createdAt: string;
            /** @description Sum of the items’ prices, held up front. */
            price: number;
            settlement: {
                captured: number;
                held: number;
                released: number;
                /** Format: date-time */
                settledAt: string | null;
                /**
                 * @description free: nothing to pay; held: items still running; settled: every item terminal, settled once.
                 * @enum {string}
                 */
                state: "free" | "held" | "settled" | "none";
            };
            size: number;
            taskIds: string[];
            tenantId: string;
            type: string;
        };
        BatchCreated: {
            batchId: string;
            /** @description Credits held for the whole batch. */
            price: number;
            taskIds: string[];
        };
        /** @description Exactly one of ids, types, all or filter; dryRun to count first. */
        BulkCancel: {
            /** @enum {boolean} */
            all?: true;
            /** @description Change nothing; answer how many tasks the request would act on (`matched`), for a confirmation. */
            dryRun?: boolean;
            filter?: components["schemas"]["TaskFilter"];
            ids?: string[];
            types?: string[];
        } & (unknown | unknown | unknown | unknown);
        BulkCancelResult: {
            /** @description Cancelled now, or (running tasks) asked to stop. Empty for a dry run. */
            cancelled: string[];
            dryRun: boolean;
            /** @description How many tasks the request addresses: the distinct ids given, or the tasks matching the selector that it can act on (for a dry run, with ids too). */
            matched: number;
            /** @description Unknown to this caller, or already finished. Empty for a dry run. */
            notFound: string[];
        };
        /** @description Exactly one of ids or filter; dryRun to count first. */
        BulkRetry: {
            /** @description Change nothing; answer how many tasks the request would act on (`matched`), for a confirmation. */
            dryRun?: boolean;
            filter?: components["schemas"]["TaskFilter"] & unknown;
            ids?: string[];
        } & (unknown | unknown);
        BulkRetryResult: {
            dryRun: boolean;
            /** @description How many tasks the request addresses: the distinct ids given, or the tasks matching the selector that it can act on (for a dry run, with ids too). */
            matched: number;
            /** @description Each task that could not be retried, with the error a single retry would have answered. */
            notRetried: {
                /** @example TASK_NOT_RETRYABLE */
                code: string;
                id: string;
                message: string;
            }[];
            /** @description Pending again, as their next attempt. Empty for a dry run. */
            retried: string[];
        };
        CancelResult: {
            id: string;
            /** @enum {string} */
            status: "cancelled" | "cancelling";
        };
        Cleanup: {
            olderThan: string | number;
            statuses: ("succeeded" | "failed" | "cancelled")[];
        };
        CleanupResult: {
            deleted: number;
        };
        CreatedTenant: {
            /** @description The tenant's first user key, shown this once. */
            apiKey: string;
            name: string;
            tenantId: string;
        };
        CreateTenant: {
            name: string;
        };
        CreditsChange: {
            /**
             * @description Credits to grant (> 0) or deduct (< 0, never below a balance of 0); not 0.
             * @example 1000
             */
            amount: number;
            /** @description A repeated key changes nothing (200 with the balance). */
            idempotencyKey?: string;
            /** @example monthly plan */
            reason: string;
        };
        Error: {
            error: {
                /** @example VALIDATION_FAILED */
                code: string;
                /** @description For VALIDATION_FAILED: each failing field. For INSUFFICIENT_CREDITS: {balance, price}. */
                details?: {
                    message: string;
                    /** @example input.ms */
                    path: string;
                }[] | {
                    [key: string]: unknown;
                };
                message: string;
            };
        };
        /** @description The input of a demo.image task. */
        "Input.demo.image": {
            /** @enum {string} */
            fail?: "permanent" | "retryable";
            /** @default 0 */
            failAttempts?: number;
            ignoreAbort?: boolean;
            ms: number;
            /** @default 0 */
            progressSteps?: number;
            writeOutput?: string;
        };
        /** @description The input of a demo.isolated task. */
        "Input.demo.isolated": {
            /** @enum {string} */
            fail?: "permanent" | "retryable";
            /** @default 0 */
            failAttempts?: number;
            ignoreAbort?: boolean;
            ms: number;
            /** @default 0 */
            progressSteps?: number;
            writeOutput?: string;
        };
        /** @description The input of a demo.replicate task. */
        "Input.demo.replicate": {
            [key: string]: components["schemas"]["Input.demo.replicate.StorableJson"];
        };
        /** @description Any JSON value (its object keys: no NUL, no leading $). */
        "Input.demo.replicate.StorableJson": unknown;
        /** @description The input of a demo.sora task. */
        "Input.demo.sora": {
            [key: string]: components["schemas"]["Input.demo.sora.StorableJson"];
        };
        /** @description Any JSON value (its object keys: no NUL, no leading $). */
        "Input.demo.sora.StorableJson": unknown;
        /** @description The input of a demo.video task. */
        "Input.demo.video": {
            /** @enum {string} */
            fail?: "permanent" | "retryable";
            /** @default 0 */
            failAttempts?: number;
            ignoreAbort?: boolean;
            ms: number;
            /** @default 0 */
            progressSteps?: number;
            writeOutput?: string;
        };
        IssueApiKey: {
            /** @description What the key is for, shown in the key list. */
            name: string;
            /**
             * @description Default user.
             * @default user
             * @enum {string}
             */
            role?: "user" | "operator";
        };
        IssuedApiKey: components["schemas"]["ApiKey"] & {
            /** @description The key, shown this once. */
            apiKey: string;
        };
        LedgerEntry: {
            amount: number;
            balanceAfter: number;
            balanceDelta: number;
            batchId: string | null;
            /** @description batch_settle: credits captured for the successes. */
            captured: number | null;
            /** Format: date-time */
            createdAt: string;
            fromAttempt: number | null;
            heldAfter: number;
            heldDelta: number;
            /** @description The unique key of the movement, e.g. task:<id>:hold:1, task:<id>:hold:1:settle. */
            id: string;
            /** @enum {string} */
            kind: "grant" | "deduct" | "hold" | "capture" | "release" | "batch_settle";
            reason: string | null;
            /** @description batch_settle: credits released for the rest. */
            released: number | null;
            /** @description Position in the tenant's ledger, from 1, without gaps. */
            seq: number;
            taskId: string | null;
        };
        LedgerPage: {
            items: components["schemas"]["LedgerEntry"][];
            page: number;
            pageSize: number;
            total: number;
        };
        LiveEvent: {
            /**
             * @description The routing key of the event, or task.snapshot.
             * @example task.progress
             */
            event: string;
            /** Format: date-time */
            occurredAt: string;
            payload?: unknown;
            taskId: string | null;
            tenantId: string;
        };
        /** @description A type's price; null = free. */
        Price: {
            /** @description Credits per task (and the price of an input value not listed below). */
            credits: number;
            /** @description The price per value of one input field. */
            perInputField?: {
                /** @example model */
                field: string;
                /**
                 * @example {
                 *       "veo3.1-pro": 60
                 *     }
                 */
                values: {
                    [key: string]: number;
                };
            };
        } | null;
        /** @description Only on GET /v1/tasks/{id} of a queued task. */
        QueueInfo: {
            /** @description The task of this type running now. */
            blockedBy: string | null;
            estimatedStartInMs: number | null;
            /** @description 1 = next to run. */
            position: number;
            typicalDurationMs: number | null;
        };
        QueueStats: {
            /** Format: date-time */
            generatedAt: string;
            /** @description True when more tasks finished in the window than are read per answer: the figures are of the newest. */
            sampled: boolean;
            types: components["schemas"]["QueueType"][];
            /** @description The window of the hour figures (3,600,000). */
            windowMs: number;
        };
        QueueType: {
            /** @description Percentiles of the hour's successes' durations (nearest rank). */
            durationMs: {
                p50: number;
                p90: number;
                p99: number;
            } | null;
            /** @description failed / (succeeded + failed) over the last hour; null when none finished. */
            failureRate: number | null;
            finishedLastHour: number;
            /** @description Finished tasks per minute and their duration percentiles, the last 60 minutes, oldest first. */
            perMinute: {
                cancelled: number;
                failed: number;
                /** Format: date-time */
                minute: string;
                /** @description Median duration of the minute's successes. */
                p50Ms: number | null;
                p90Ms: number | null;
                succeeded: number;
            }[];
            /** @description Running now (one at a time per type). */
            running: {
                progress: number;
                /** Format: date-time */
                startedAt: string | null;
                /** @description null when it is another tenant's task. */
                taskId: string | null;
            }[];
            type: string;
            /** @description Median duration of the hour's successes. */
            typicalDurationMs: number | null;
            /** @description Pending, queued and delayed tasks of every tenant: the line a new task joins. */
            waiting: number;
        };
        RevokedApiKey: components["schemas"]["ApiKey"] & {
            /** @description Task center sessions the key had opened, ended now. */
            sessionsEnded: number;
        };
        RevokedTenantKeys: {
            /** @description Keys that worked until now. */
            revoked: number;
            sessionsEnded: number;
            tenantId: string;
        };
        Session: {
            /** Format: date-time */
            expiresAt: string;
            /** @enum {string} */
            role: "user" | "operator";
            tenantId: string;
        };
        SignIn: {
            /** @description A user or operator API key. */
            apiKey: string;
        };
        SseEvent: {
            data: string;
            /**
             * @description The LiveEvent name (task.*, task.snapshot, stream.reset).
             * @example task.progress
             */
            event: string;
            /** @description Send it back as Last-Event-ID to resume after this event. */
            id: string;
        };
        SubmitBatch: components["schemas"]["SubmitBatch.demo.image"] | components["schemas"]["SubmitBatch.demo.video"] | components["schemas"]["SubmitBatch.demo.isolated"] | components["schemas"]["SubmitBatch.demo.sora"] | components["schemas"]["SubmitBatch.demo.replicate"];
        "SubmitBatch.demo.image": {
            /** @description Per tenant. A repeated key returns the batch it created first (200). */
            idempotencyKey?: string;
            /**
             * @description The input of each item (1 to 500), each checked like a task's input.
             * @example [
             *       {
             *         "ms": 1000
             *       },
             *       {
             *         "ms": 2000
             *       }
             *     ]
             */
            items: components["schemas"]["Input.demo.image"][];
            /** @default 0 */
            priority?: number;
            timeoutMs?: number;
            /**
             * @description Demo: stands in for an image generation (sleeps for input.ms). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.image";
        };
        "SubmitBatch.demo.isolated": {
            /** @description Per tenant. A repeated key returns the batch it created first (200). */
            idempotencyKey?: string;
            /**
             * @description The input of each item (1 to 500), each checked like a task's input.
             * @example [
             *       {
             *         "ms": 1000
             *       },
             *       {
             *         "ms": 2000
             *       }
             *     ]
             */
            items: components["schemas"]["Input.demo.isolated"][];
            /** @default 0 */
            priority?: number;
            timeoutMs?: number;
            /**
             * @description Demo: a sleep handler in a worker thread of its own per task; even with input.ignoreAbort a cancel or timeout ends it within abortGraceMs. (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.isolated";
        };
        "SubmitBatch.demo.replicate": {
            /** @description Per tenant. A repeated key returns the batch it created first (200). */
            idempotencyKey?: string;
            /**
             * @description The input of each item (1 to 500), each checked like a task's input.
             * @example [
             *       {
             *         "ms": 1000
             *       },
             *       {
             *         "ms": 2000
             *       }
             *     ]
             */
            items: components["schemas"]["Input.demo.replicate"][];
            /** @default 0 */
            priority?: number;
            timeoutMs?: number;
            /**
             * @description Demo: a Replicate prediction (the local provider simulator under npm start). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.replicate";
        };
        "SubmitBatch.demo.sora": {
            /** @description Per tenant. A repeated key returns the batch it created first (200). */
            idempotencyKey?: string;
            /**
             * @description The input of each item (1 to 500), each checked like a task's input.
             * @example [
             *       {
             *         "ms": 1000
             *       },
             *       {
             *         "ms": 2000
             *       }
             *     ]
             */
            items: components["schemas"]["Input.demo.sora"][];
            /** @default 0 */
            priority?: number;
            timeoutMs?: number;
            /**
             * @description Demo: a Sora-2 video at the Grsai reseller (the local provider simulator under npm start). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.sora";
        };
        "SubmitBatch.demo.video": {
            /** @description Per tenant. A repeated key returns the batch it created first (200). */
            idempotencyKey?: string;
            /**
             * @description The input of each item (1 to 500), each checked like a task's input.
             * @example [
             *       {
             *         "ms": 1000
             *       },
             *       {
             *         "ms": 2000
             *       }
             *     ]
             */
            items: components["schemas"]["Input.demo.video"][];
            /** @default 0 */
            priority?: number;
            timeoutMs?: number;
            /**
             * @description Demo: stands in for a long video generation (sleeps for input.ms). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.video";
        };
        SubmitTask: components["schemas"]["SubmitTask.demo.image"] | components["schemas"]["SubmitTask.demo.video"] | components["schemas"]["SubmitTask.demo.isolated"] | components["schemas"]["SubmitTask.demo.sora"] | components["schemas"]["SubmitTask.demo.replicate"];
        "SubmitTask.demo.image": {
            /** @description Per tenant. A repeated key returns the task it created first (200 instead of 202). */
            idempotencyKey?: string;
            input: components["schemas"]["Input.demo.image"];
            /**
             * @description Stored and reported with the task (higher = more urgent). Default 0. Tasks of one type still start in the order they were admitted.
             * @default 0
             */
            priority?: number;
            /** @description Defaults to the type's timeoutMs; may not exceed its maxTimeoutMs. */
            timeoutMs?: number;
            /**
             * @description Demo: stands in for an image generation (sleeps for input.ms). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.image";
        };
        "SubmitTask.demo.isolated": {
            /** @description Per tenant. A repeated key returns the task it created first (200 instead of 202). */
            idempotencyKey?: string;
            input: components["schemas"]["Input.demo.isolated"];
            /**
             * @description Stored and reported with the task (higher = more urgent). Default 0. Tasks of one type still start in the order they were admitted.
             * @default 0
             */
            priority?: number;
            /** @description Defaults to the type's timeoutMs; may not exceed its maxTimeoutMs. */
            timeoutMs?: number;
            /**
             * @description Demo: a sleep handler in a worker thread of its own per task; even with input.ignoreAbort a cancel or timeout ends it within abortGraceMs. (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.isolated";
        };
        "SubmitTask.demo.replicate": {
            /** @description Per tenant. A repeated key returns the task it created first (200 instead of 202). */
            idempotencyKey?: string;
            input?: components["schemas"]["Input.demo.replicate"];
            /**
             * @description Stored and reported with the task (higher = more urgent). Default 0. Tasks of one type still start in the order they were admitted.
             * @default 0
             */
            priority?: number;
            /** @description Defaults to the type's timeoutMs; may not exceed its maxTimeoutMs. */
            timeoutMs?: number;
            /**
             * @description Demo: a Replicate prediction (the local provider simulator under npm start). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.replicate";
        };
        "SubmitTask.demo.sora": {
            /** @description Per tenant. A repeated key returns the task it created first (200 instead of 202). */
            idempotencyKey?: string;
            input?: components["schemas"]["Input.demo.sora"];
            /**
             * @description Stored and reported with the task (higher = more urgent). Default 0. Tasks of one type still start in the order they were admitted.
             * @default 0
             */
            priority?: number;
            /** @description Defaults to the type's timeoutMs; may not exceed its maxTimeoutMs. */
            timeoutMs?: number;
            /**
             * @description Demo: a Sora-2 video at the Grsai reseller (the local provider simulator under npm start). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.sora";
        };
        "SubmitTask.demo.video": {
            /** @description Per tenant. A repeated key returns the task it created first (200 instead of 202). */
            idempotencyKey?: string;
            input: components["schemas"]["Input.demo.video"];
            /**
             * @description Stored and reported with the task (higher = more urgent). Default 0. Tasks of one type still start in the order they were admitted.
             * @default 0
             */
            priority?: number;
            /** @description Defaults to the type's timeoutMs; may not exceed its maxTimeoutMs. */
            timeoutMs?: number;
            /**
             * @description Demo: stands in for a long video generation (sleeps for input.ms). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            type: "demo.video";
        };
        SubmitTasks: {
            /** @description 1 to 500 tasks, each as POST /v1/tasks takes it; they may be of different types. */
            tasks: components["schemas"]["SubmitTask"][];
        };
        SubmitTasksResult: {
            /** @description One per submitted task, in the order given: the task, or the error this item alone met while being written. */
            items: ({
                /** @description false: its idempotency key was used before, and this is the task it created. */
                created: boolean;
                task: components["schemas"]["Task"];
            } | components["schemas"]["Error"])[];
        };
        Task: {
            /** @description The current attempt, from 1. */
            attempts: number;
            batchId: string | null;
            cancelRequested: boolean;
            /** Format: date-time */
            createdAt: string;
            error: {
                code: string;
                message: string;
                retryable: boolean;
            } | null;
            /** Format: date-time */
            finishedAt: string | null;
            id: string;
            idempotencyKey: string | null;
            input?: unknown;
            maxAttempts: number;
            message: string | null;
            /**
             * Format: date-time
             * @description When a delayed task is retried.
             */
            nextAttemptAt: string | null;
            outputs: unknown[];
            /**
             * @description Of a running provider task: waiting at the provider, or copying its outputs.
             * @enum {string|null}
             */
            phase: "awaiting_provider" | "ingesting" | null;
            /** @description Credits this task costs, fixed at submission (0 = free). */
            price: number;
            priority: number;
            progress: number;
            /** @description The provider a provider task runs at (replicate, runninghub, grsai, ...). */
            provider: string | null;
            /** @description The job's id at the provider, once submitted. */
            providerJobId: string | null;
            queue?: components["schemas"]["QueueInfo"];
            /** Format: date-time */
            queuedAt: string | null;
            result?: unknown;
            /** Format: date-time */
            startedAt: string | null;
            /** @enum {string} */
            status: "pending" | "queued" | "running" | "delayed" | "succeeded" | "failed" | "cancelled";
            tenantId: string;
            timeoutMs: number;
            /** @description The W3C trace id of the task's trace (submit request, every message hop, provider calls, uploads, settlement); null when tracing was off at submit. */
            traceId: string | null;
            /** @description Where the task's trace is shown (LOOM_TRACE_URL with the trace id filled in, e.g. the local Zipkin); null when not configured or not traced. */
            traceUrl: string | null;
            type: string;
        };
        /** @description The unfinished tasks matching this filter (at most 10,000). */
        TaskFilter: {
            batchId?: string;
            /**
             * Format: date-time
             * @description Created at or after this instant.
             */
            createdAfter?: string;
            /**
             * Format: date-time
             * @description Created strictly before this instant.
             */
            createdBefore?: string;
            /**
             * @description Search: the task id, its idempotency key, or words of its input (every word, whole words, any case).
             * @example fox
             */
            q?: string;
            /** @enum {string} */
            status?: "pending" | "queued" | "running" | "delayed" | "succeeded" | "failed" | "cancelled";
            type?: string;
        };
        TaskLogLine: {
            data?: unknown;
            /** @enum {string} */
            level: "debug" | "info" | "warn" | "error";
            message: string;
            /** Format: date-time */
            timestamp: string;
        };
        TaskPage: {
            items: components["schemas"]["Task"][];
            page: number;
            pageSize: number;
            total: number;
        };
        TaskType: {
            /**
             * @description Tasks of one type run one at a time.
             * @enum {number}
             */
            concurrency: 1;
            description: string;
            handler: string;
            /** @description JSON Schema of the input. */
            inputSchema: {
                [key: string]: unknown;
            };
            maxAttempts: number;
            maxTimeoutMs: number;
            price: components["schemas"]["Price"];
            rerunnable: boolean;
            timeoutMs: number;
            type: string;
        };
        TenantLimits: {
            /** @description In effect: how many submissions may come at once. */
            burst: number;
            /** @description In effect: most unfinished tasks (0: no limit). */
            maxWaiting: number;
            /** @description This tenant's own values; the others are the deployment's defaults. */
            overrides: {
                burst?: number;
                maxWaiting?: number;
                submitsPerSecond?: number;
            };
            /** @description In effect: submissions per second (0: no limit). A batch of n items counts n; so does a manual retry. */
            submitsPerSecond: number;
            tenantId: string;
        };
        /** @description Fields left out stay as they are. */
        TenantLimitsChange: {
            /**
             * @description How many submissions may come at once; null: the default (the rate x TENANT_SUBMIT_BURST_SECONDS).
             * @example 10
             */
            burst?: number | null;
            /**
             * @description Most unfinished tasks (pending, queued, delayed, running); 0: no limit; null: back to the default.
             * @example 100
             */
            maxWaiting?: number | null;
            /**
             * @description Submissions per second, shared by every gateway replica; 0: no limit; null: back to the default.
             * @example 5
             */
            submitsPerSecond?: number | null;
        };
        WebhookAccepted: {
            /** @enum {boolean} */
            accepted: true;
            /** @enum {boolean} */
            duplicate?: true;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
