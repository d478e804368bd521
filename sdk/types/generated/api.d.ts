export interface paths {
    "/api/v1/admin/accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every admin-console account (admin role). */
        get: operations["list_accounts"];
        put?: never;
        /** Create an admin-console account (admin role). */
        post: operations["create_account"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/accounts/{id}/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Disable an admin-console account: it cannot sign in, and its sessions end at once. */
        post: operations["disable_account"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/accounts/{id}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Enable a disabled admin-console account again. */
        post: operations["enable_account"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/departments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every department, as a flat list (build the tree from `parent_id`) (admins). */
        get: operations["list_departments"];
        put?: never;
        /** Create a department (admins). */
        post: operations["create_department"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/departments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One department (admins). */
        get: operations["get_department"];
        /**
         * Rename, move (a new parent) or change the head of a department (admins). All three fields
         *     are replaced. Requests already under way keep the approvers they were assigned.
         */
        put: operations["update_department"];
        post?: never;
        /** Delete an empty department (admins). */
        delete: operations["delete_department"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Members of the organisation (admins). */
        get: operations["list_members"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/members/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One member (admins). */
        get: operations["get_member"];
        /** Put a user in a department, with their manager (admins); moves them if they were elsewhere. */
        put: operations["put_member"];
        post?: never;
        /** Take a user out of the organisation (admins). */
        delete: operations["delete_member"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every request, newest first, with filters (admins). */
        get: operations["admin_list_requests"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/requests/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Any request (admins). */
        get: operations["admin_get_request"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/requests/{id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Any request's audit trail, verified (admins). */
        get: operations["admin_timeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every template, enabled or not (admins). */
        get: operations["admin_list_templates"];
        put?: never;
        /**
         * Create a template: typed form fields and ordered steps (admins). Checked on the way in: a
         *     422 names the problem (`steps[1].condition.field: ...`).
         */
        post: operations["create_template"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/templates/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One template at its current version (admins). */
        get: operations["admin_get_template"];
        /**
         * Save a new version of a template (admins). Requests already submitted keep the version they
         *     were submitted under.
         */
        put: operations["update_template"];
        post?: never;
        /**
         * Disable a template (admins): no new requests; requests under way go on. `PUT` with
         *     `"enabled": true` enables it again.
         */
        delete: operations["disable_template"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/approvals/templates/{id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every version of a template, newest first (admins). */
        get: operations["template_versions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The admin audit log, newest first: every state-changing request by an admin-console account
         *     or on an admin route (who, what, when, from where, the status it ended with). Admin role.
         */
        get: operations["audit_log"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log in to the admin console with an account made by `minibase admin create`. */
        post: operations["admin_login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/collections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every collection with its fields, indexes and rules (admins). */
        get: operations["list_collections"];
        put?: never;
        /** Define a collection: its fields, indexes, owner field and rules. Its table is created at once. */
        post: operations["create_collection"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/collections/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One collection (admins). */
        get: operations["get_collection"];
        /**
         * Change a collection: the whole new definition. Added fields, relaxed constraints, new
         *     indexes and rules apply at once; a dropped or retyped field deletes data and needs
         *     `?confirm_data_loss=true` (without it: 409 naming what would be lost).
         */
        put: operations["update_collection"];
        post?: never;
        /** Delete a collection and its records (`?confirm=true`). */
        delete: operations["delete_collection"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/collections/{name}/records": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Browse a collection's records as an admin (no rule applies); same query as the records API. */
        get: operations["admin_list_records"];
        put?: never;
        /** Create a record as an admin (the owner field may be set). */
        post: operations["admin_create_record"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/collections/{name}/records/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a record, as an admin. */
        delete: operations["admin_delete_record"];
        options?: never;
        head?: never;
        /** Change the fields sent of a record, as an admin. */
        patch: operations["admin_update_record"];
        trace?: never;
    };
    "/api/v1/admin/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every config key, public and private (admins). */
        get: operations["list_config"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/config/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One config key (admins). */
        get: operations["get_config"];
        /**
         * Create or change a config key (admins). The value is checked against the key's JSON Schema.
         *     Every node serves the change within about a second.
         */
        put: operations["put_config"];
        post?: never;
        /** Delete a config key (admins); its history stays, and it can be rolled back. */
        delete: operations["delete_config"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/config/{key}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every change of a config key, newest first: who, when, old and new (admins). */
        get: operations["config_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/config/{key}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restore a config key to an earlier version, recorded as a new change (admins). */
        post: operations["rollback_config"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/console/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in console account, and the CSRF token of its cookie session. */
        get: operations["current_session"];
        put?: never;
        /**
         * Sign in to the admin console. The session is an HttpOnly, SameSite=Strict cookie (Secure in
         *     prod mode); the token is never in the body. Send the returned `csrf_token` as `X-CSRF-Token`
         *     on every state-changing request.
         */
        post: operations["sign_in"];
        /** Sign out of the console: every token of the account ends and the cookies are cleared. */
        delete: operations["sign_out"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/dashboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Counts across features (users, new users, posts, orders, approvals pending, jobs failed and
         *     pending) and this node's request rate, latency and error rate by minute (moderator+).
         */
        get: operations["dashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/files": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Browse uploads, newest first (moderators and admins). */
        get: operations["admin_list_files"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/files/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete an upload and its stored object (moderators and admins). */
        delete: operations["admin_delete_file"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every feature flag (admins). */
        get: operations["list_flags"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flags/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One feature flag (admins). */
        get: operations["get_flag"];
        /**
         * Create or change a feature flag (admins): value `{"enabled":true,"percentage":20,
         *     "roles":["moderator"],"users":[42]}`.
         */
        put: operations["put_flag"];
        post?: never;
        /** Delete a feature flag (admins). */
        delete: operations["delete_flag"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flags/{name}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every change of a feature flag, newest first (admins). */
        get: operations["flag_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flags/{name}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restore a feature flag to an earlier version (admins). */
        post: operations["rollback_flag"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flash-sale-orders/{id}/mark-paid": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark an order paid without a payment: an admin override (e.g. paid offline), recorded with
         *     the admin's id in the payment event log. Orders are normally paid by WeChat Pay.
         */
        post: operations["admin_mark_paid"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flash-sale-orders/{id}/payment": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An order's payment: status, amounts, refunds and the event log (notifications, mismatches,
         *     overrides, refunds).
         */
        get: operations["admin_order_payment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flash-sale-orders/{id}/refund": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Refund a paid order, fully (no amount) or partly, with a reason; audited with the admin's id.
         *     The answer's `status` is `processing` until WeChat Pay confirms (`success`). No stock goes
         *     back to the sale.
         */
        post: operations["admin_refund_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flash-sales": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every flash sale, newest first (admins). */
        get: operations["admin_list_sales"];
        put?: never;
        /** Create a flash sale: product (and SKU), window, stock, sale price, per-user limit (admins). */
        post: operations["admin_create_sale"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flash-sales/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One sale, enabled or not (admins). */
        get: operations["admin_get_sale"];
        /**
         * Replace a sale (admins). A new `stock` adds the difference to what is left (409 if that
         *     would go below zero); `enabled: false` closes it at once.
         */
        put: operations["admin_update_sale"];
        post?: never;
        /** Delete a sale without orders (admins; disable one that has orders). */
        delete: operations["admin_delete_sale"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flash-sales/{id}/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A sale's orders, newest first, with their buyers (admins). */
        get: operations["admin_sale_orders"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flash-sales/{id}/reconcile": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rebuild the sale's Redis stock from the database now (admins; a no-op without Redis). */
        post: operations["admin_reconcile_sale"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/flash-sales/{id}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A sale's books: orders and units by status, stock left, and whether they agree:
         *     `books_consistent` (stock_total = stock_left + units held by created and paid orders) and,
         *     with Redis, `redis_consistent` (Redis's stock is below the database's by at most the units of
         *     reservations whose lease is live, `redis_leased_units`, and never above it). Reservations
         *     whose lease lapsed and that no node reclaimed yet (`redis_lapsed_units`: a node died holding
         *     them) make it false until they are reclaimed. `consistent` is both. The benchmark checks a
         *     run with it.
         */
        get: operations["admin_sale_stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Failed or pending background jobs, newest first (admin). */
        get: operations["list_jobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Drop a failed or pending job for good (admin). */
        delete: operations["discard_job"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/jobs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a failed or pending job again now, with a fresh set of attempts (admin). */
        post: operations["retry_job"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/me/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change the signed-in account's password. Its other sessions end; a cookie session gets a
         *     new cookie (and CSRF token) at once.
         */
        post: operations["change_password"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/moderation/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every moderation decision, human or automatic, newest first. */
        get: operations["moderation_audit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/moderation/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Comments by status for moderators (default pending). */
        get: operations["moderation_comments"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/moderation/comments/{id}/decision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve or remove a comment (and optionally ban its author). */
        post: operations["decide_comment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/moderation/posts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Posts by status for moderators: `pending` is the review queue (default). */
        get: operations["moderation_posts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/moderation/posts/{id}/decision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve or remove a post (and optionally ban its author); recorded in the audit log. */
        post: operations["decide_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/moderation/reports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Reports by status (default open). */
        get: operations["moderation_reports"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/moderation/reports/{id}/resolve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Close a report. */
        post: operations["resolve_report"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Products, newest first (admins). */
        get: operations["admin_list_products"];
        put?: never;
        /** Create a product with its SKUs, price and images (admins). */
        post: operations["admin_create_product"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/products/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One product (admins). */
        get: operations["admin_get_product"];
        /** Replace a product (admins). */
        put: operations["admin_update_product"];
        post?: never;
        /** Delete a product that no sale uses (admins). */
        delete: operations["admin_delete_product"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List and search users (moderators and admins), newest first. Phone numbers are masked
         *     (`138****1234`) for moderators and shown whole to admins.
         */
        get: operations["admin_list_users"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One user (moderators and admins). */
        get: operations["admin_get_user"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/ban": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ban a user: every session ends and new logins are refused (moderators and admins). The
         *     optional body's reason goes to the admin audit log.
         */
        post: operations["admin_ban_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/revoke-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** End every session of a user at once (admins). */
        post: operations["admin_revoke_sessions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/role": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Change a user's role (admins). */
        put: operations["admin_set_role"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/unban": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Lift a ban (moderators and admins); the optional reason goes to the admin audit log. */
        post: operations["admin_unban_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's own requests, newest first. */
        get: operations["my_requests"];
        put?: never;
        /**
         * Submit a request. The form is checked against the template (422 naming the field, e.g.
         *     `form.amount: is required`); every step that will apply must have an approver (else 40030).
         */
        post: operations["submit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/requests/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A request: its form, steps, tasks and what the caller may do (`actions`). Visible to its
         *     applicant and its approvers; anyone else gets a 404.
         */
        get: operations["get_request"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/requests/{id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve your task at the request's current step, with an optional comment (`{}` for none). */
        post: operations["approve"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/requests/{id}/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Comment on a request you can see (any time, also once it is finished). */
        post: operations["comment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/requests/{id}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reject the request at your step, with a reason: the request ends as rejected. */
        post: operations["reject"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/requests/{id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The request's audit trail (who, when, what, the form's hash), each event chained to the one
         *     before by SHA-256, with `chain_valid` from recomputing the chain.
         */
        get: operations["timeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/requests/{id}/transfer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Hand your task at the current step to someone else, who gets a new task. */
        post: operations["transfer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/requests/{id}/withdraw": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Withdraw your own pending request (`{}` or `{"reason": "..."}`). */
        post: operations["withdraw"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's approval tasks, newest first: what waits for them (`status=pending`, the
         *     default) or what they decided (`status=done`).
         */
        get: operations["my_tasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Templates a user can submit requests with. */
        get: operations["list_templates"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/approvals/templates/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One enabled template: the form to render. */
        get: operations["get_template"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log in with a `wx.login()` code: WeChat's code2session, the user created on first login. */
        post: operations["login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** End this session: its access and refresh tokens stop working. */
        post: operations["logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Exchange a refresh token for a new access token and a new refresh token. Each refresh token
         *     works once, except that the token just replaced gets the same answer again for a few seconds
         *     (parallel refreshes); presenting a spent one later revokes the session (40107), and a token
         *     the session never issued is refused (40106) without revoking anything.
         */
        post: operations["refresh"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/collections/{name}/records": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Records the caller may see (the list rule filters them), filtered, sorted and
         *     keyset-paginated.
         */
        get: operations["list_records"];
        put?: never;
        /**
         * Create a record. The owner field (if any) is the caller; the create rule must hold for the
         *     record as stored.
         */
        post: operations["create_record"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/collections/{name}/records/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Several writes at once, in one transaction; each goes through the collection's rules. The
         *     first error names its operation (`requests[2].data.title: ...`) and nothing is written.
         */
        post: operations["batch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/collections/{name}/records/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One record, if the view rule lets the caller see it. */
        get: operations["get_record"];
        put?: never;
        post?: never;
        /** Delete a record, if the delete rule holds for it. */
        delete: operations["delete_record"];
        options?: never;
        head?: never;
        /** Change the fields sent (others keep their values), if the update rule holds for the record. */
        patch: operations["update_record"];
        trace?: never;
    };
    "/api/v1/comments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete one's own comment. */
        delete: operations["delete_comment"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/comments/{id}/like": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Like a comment (idempotent). */
        post: operations["like_comment"];
        /** Take back a like on a comment (idempotent). */
        delete: operations["unlike_comment"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/comments/{id}/replies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Replies in a comment's thread, oldest first. */
        get: operations["list_replies"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Public configuration: every public key with its JSON value, `_version` (the configuration's
         *     revision), and for a signed-in user `_flags` (each feature flag, evaluated for them).
         *     Answers carry an ETag; send it back as `If-None-Match` to get a 304 when nothing changed.
         */
        get: operations["public_config"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/feed/following": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Posts of the users the caller follows, newest first. */
        get: operations["following_feed"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/files": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Upload an image (JPEG, PNG, WebP or GIF, sniffed from its bytes) as `wx.uploadFile` sends it. */
        post: operations["upload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flash-sale-orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's flash-sale orders, newest first. */
        get: operations["my_orders"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flash-sale-orders/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One of the caller's orders. */
        get: operations["my_order"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flash-sale-orders/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel an unpaid order; its stock goes back to the sale at once. */
        post: operations["cancel_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flash-sale-orders/{id}/pay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pay for my unpaid order: answers the parameters to pass to `wx.requestPayment` as they are.
         *     The order becomes paid only when WeChat Pay says so (its notification, or the server's own
         *     query), never because the mini-program reports success; poll the order afterwards. Calling
         *     again before paying gives fresh parameters for the same WeChat Pay order.
         */
        post: operations["pay_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flash-sales": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Flash sales that are enabled and not over, newest first, with the server's clock. */
        get: operations["list_sales"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flash-sales/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One sale with its product, stock left, phase (upcoming, active, sold_out, ended) and the
         *     server's clock, so a client counts down against the server and not its own clock.
         */
        get: operations["get_sale"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flash-sales/{id}/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Buy. The body is optional (`{"quantity": n}`, default 1). Send an `Idempotency-Key` header
         *     (1-64 printable ASCII) to make retries safe: a retry with the same key answers 200 with the
         *     order the first request made (header `Idempotent-Replayed: true`), never a second order.
         */
        post: operations["place_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's notifications (replies, likes, follows, approvals), newest first. */
        get: operations["list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark notifications read: `{"ids":[...]}`, or `{}` for all. */
        post: operations["mark_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/subscriptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Acceptances left, by template. */
        get: operations["list_subscriptions"];
        put?: never;
        /**
         * Report the templates the user accepted in `wx.requestSubscribeMessage`; each acceptance lets
         *     the server send one message of that template.
         */
        post: operations["accept_subscriptions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/unread-count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How many of the caller's notifications are unread. */
        get: operations["unread_count"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/payments/wechat/notify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * WeChat Pay's payment notification (`TRANSACTION.SUCCESS`). Verified against the key named
         *     by `Wechatpay-Serial`, refused when its timestamp is more than 5 minutes off, decrypted with
         *     the APIv3 key, and applied at most once (on any number of nodes): the order becomes paid when
         *     appid, mchid and amount match; a mismatch or an unknown order is recorded and alerted.
         */
        post: operations["pay_notify"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/payments/wechat/refund-notify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * WeChat Pay's refund notification (`REFUND.SUCCESS`, `REFUND.CLOSED`, `REFUND.ABNORMAL`),
         *     verified and applied like the payment notification.
         */
        post: operations["refund_notify"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/posts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The latest published posts, newest first (optionally of one topic or one author). Each post
         *     brings its author, images, counts and whether the caller liked it.
         */
        get: operations["list_posts"];
        put?: never;
        /**
         * Publish a post. It starts as `checking` (seen by its author and moderators only) and is
         *     published when WeChat's content check passes it, moments later, or blocked when WeChat calls
         *     it risky (with `content_check = "sync"` the check runs first and risky text is a 422, code
         *     42210); posts with images, or text WeChat wants reviewed, wait as `pending` until every check
         *     passes.
         */
        post: operations["create_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/posts/hot": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The hottest posts: likes and comments weighed against age. */
        get: operations["hot_posts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/posts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One post. */
        get: operations["get_post"];
        put?: never;
        post?: never;
        /** Delete one's own post. */
        delete: operations["delete_post"];
        options?: never;
        head?: never;
        /** Edit one's own post's text or topics (checked again). */
        patch: operations["edit_post"];
        trace?: never;
    };
    "/api/v1/posts/{id}/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A post's comments (roots of threads), oldest first. */
        get: operations["list_comments"];
        put?: never;
        /**
         * Comment on a post, or reply to a comment. The post's author (and the user replied to) are
         *     notified.
         */
        post: operations["create_comment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/posts/{id}/like": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Like a post (idempotent). */
        post: operations["like_post"];
        /** Take back a like (idempotent). */
        delete: operations["unlike_post"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/realtime/sse": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The realtime event stream over server-sent events, for browsers and the console. Each SSE
         *     message's `data` is a frame as on the WebSocket (`welcome`, `subscribed`, `event`, `reload`,
         *     `closing`), and event frames carry their id as the SSE `id`, so `EventSource` resumes by
         *     itself. A channel the caller may not read is a 403 before anything is streamed.
         */
        get: operations["events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/realtime/tickets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A one-time ticket for opening a realtime connection where no `Authorization` header can be
         *     sent (a browser's `WebSocket` or `EventSource`). It stands for the caller's token, works once
         *     on any node, and expires after `realtime_ticket_ttl_secs`.
         */
        post: operations["create_ticket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/realtime/ws": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The realtime WebSocket (what `wx.connectSocket` opens). Authenticate with the
         *     `Authorization: Bearer` header or `?ticket=`; without either the answer is a 401 envelope and
         *     nothing is upgraded.
         * @description Frames are JSON text. The client sends `{"type":"subscribe","channel":"post:12","since":"<last
         *     event id>"}`, `{"type":"unsubscribe","channel":...}` and `{"type":"ping"}`. The server sends
         *     `welcome`, `subscribed` (with the resume `position`), `event` (`id`, `channel`, `event`,
         *     `data`, `at`), `reload` (missed events are gone: reload over HTTP), `error` (a refused frame,
         *     with an error code; the connection stays), `pong` and `closing` (then a close: 1012 restart,
         *     reconnect; 4001 session ended, do not; 4002 idle; 4008 too slow). Channels: `user:<id>` (only
         *     your own), `post:<id>`, `flash-sale:<id>`, `config`, `admin` (admins). The full protocol:
         *     docs/realtime.md.
         */
        get: operations["websocket"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Report a post or comment to the moderators. */
        post: operations["report"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's profile. */
        get: operations["get_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Change the caller's nickname or avatar. */
        patch: operations["update_me"];
        trace?: never;
    };
    "/api/v1/users/me/deletion": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Delete the caller's account (注销). Every session ends at once. Logging in again within the
         *     grace period (`account_deletion_grace_secs`, 15 days by default) cancels the request; after
         *     it, personal data is erased and what must be kept (orders, payments, approvals, audit) stays
         *     under the anonymised user id. Asking again keeps the first request's time.
         */
        post: operations["request_account_deletion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/me/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Everything Minibase holds about the caller, as one JSON document: profile (phone in full),
         *     uploads, posts, comments, likes, follows, notifications, orders, payments, approvals,
         *     reports, sessions, and the records they own in collections.
         */
        get: operations["export_my_data"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/me/open-data": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Decrypt open data the client received encrypted (`wx.getWeRunData`, share info) with the
         *     caller's WeChat session key. Data watermarked for another AppID is refused (40303).
         */
        post: operations["decrypt_open_data"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/me/phone": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Bind the caller's phone number from a `getPhoneNumber` code. */
        post: operations["bind_phone"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/me/verify-signature": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check a signature made with the caller's session key: the login-state signature
         *     (`buffer`, hmac_sha256) or the legacy raw-data signature (`raw_data`, sha1).
         */
        post: operations["verify_signature"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A user's public profile with follower, following and post counts. */
        get: operations["profile"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/follow": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Follow a user (idempotent; they are notified the first time). */
        post: operations["follow"];
        /** Stop following a user (idempotent). */
        delete: operations["unfollow"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/followers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who follows the user. */
        get: operations["followers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/following": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whom the user follows. */
        get: operations["following"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/posts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A user's published posts (all but deleted ones, for the user themself). */
        get: operations["user_posts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/wechat/callback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** WeChat's message-push URL check: echo `echostr` when the signature is right. */
        get: operations["wechat_verify"];
        put?: never;
        /** WeChat's message push (JSON): image check results (`wxa_media_check`) publish or block posts. */
        post: operations["wechat_event"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/files/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A stored file, with its content type and long-lived caching headers (names never change). */
        get: operations["download"];
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
        /** The process is alive (no dependency is checked). */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics: requests by route template and status, latency histograms, pool gauges. */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ping": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness probe of the API contract: `{"message":"pong"}`, no envelope. */
        get: operations["ping"];
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
        /** Ready to serve: the database answers, and Redis too when configured. */
        get: operations["readyz"];
        put?: never;
        post?: never;
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
        Accepted: {
            /** @description Template ids the user accepted in `wx.requestSubscribeMessage` (each allows one message). */
            template_ids: string[];
        };
        ActionView: {
            /** @description publish, approve, remove, block, hold, review, ban, resolve. */
            action: string;
            /** @description admin:<id>, user:<id>, or wechat for automatic checks. */
            actor: string;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            reason: string;
            /** Format: int64 */
            target_id: number;
            target_type: string;
        };
        /** @description An admin-console account. */
        AdminAccountView: {
            /** Format: date-time */
            created_at: string;
            disabled: boolean;
            /** Format: int64 */
            id: number;
            role: components["schemas"]["Role"];
            username: string;
        };
        /** @description A stored file as the admin console lists it. */
        AdminFileView: {
            content_type: string;
            /** Format: date-time */
            created_at: string;
            /** Format: int32 */
            height: number;
            /** Format: int64 */
            id: number;
            /** Format: int64 */
            owner_id: number;
            /** Format: int64 */
            size: number;
            storage_key: string;
            url: string;
            /** Format: int32 */
            width: number;
        };
        AdminLoginRequest: {
            password: string;
            username: string;
        };
        AdminLoginResult: {
            admin: components["schemas"]["AdminSummary"];
            /** Format: int64 */
            expires_in: number;
            token: string;
        };
        /** @description An order as the admin console lists it: the buyer too. */
        AdminOrderView: components["schemas"]["OrderView"] & {
            /** Format: int64 */
            user_id: number;
        };
        AdminSummary: {
            /** Format: int64 */
            id: number;
            role: components["schemas"]["Role"];
            username: string;
        };
        /** @description A user as the admin console sees them. */
        AdminUserView: {
            avatar_url: string;
            banned: boolean;
            /** Format: date-time */
            created_at: string;
            /**
             * Format: date-time
             * @description When the account's personal data was erased (the row stays, anonymised).
             */
            deleted_at?: string | null;
            /**
             * Format: date-time
             * @description When the user asked for the account to be deleted; it is erased a grace period later.
             */
            deletion_requested_at?: string | null;
            /** Format: int64 */
            id: number;
            nickname: string;
            openid: string;
            /** @description Masked (`138****1234`) unless the caller has the admin role (docs/privacy.md). */
            phone?: string | null;
            role: components["schemas"]["Role"];
            unionid?: string | null;
            /** Format: date-time */
            updated_at: string;
        };
        Alive: {
            /** @description Always "ok". */
            status: string;
        };
        ApproveBody: {
            comment?: string | null;
        };
        /**
         * @description Who approves: a named user, everyone holding a role, the applicant's manager, or the head of
         *     a department (the applicant's own when `department_id` is omitted).
         */
        ApproverSpec: {
            /** @enum {string} */
            type: "user";
            /** Format: int64 */
            user_id: number;
        } | {
            role: components["schemas"]["Role"];
            /** @enum {string} */
            type: "role";
        } | {
            /** @enum {string} */
            type: "manager";
        } | {
            /** Format: int64 */
            department_id?: number | null;
            /** @enum {string} */
            type: "department_head";
        };
        /** @description One entry of the admin audit log. */
        AuditEntry: {
            /** Format: int64 */
            actor_id: number;
            /** @description `admin` (a console account) or `user` (a mini-program user with a staff role). */
            actor_kind: string;
            /** @description The console account's username (null for mini-program users). */
            actor_name?: string | null;
            actor_role: string;
            client_ip: string;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            method: string;
            /** @description The reason the operator gave, when the action takes one (a ban). */
            note?: string | null;
            path: string;
            request_id: string;
            route: string;
            /** Format: int32 */
            status: number;
        };
        /** @description Up to 50 creates, updates and deletes in one transaction: all happen or none. */
        BatchBody: {
            requests: components["schemas"]["BatchOp"][];
        };
        /** @description One operation of a batch. */
        BatchOp: {
            /** @enum {string} */
            action: "create";
            data: Record<string, unknown>;
        } | {
            /** @enum {string} */
            action: "update";
            data: Record<string, unknown>;
            /** Format: int64 */
            id: number;
        } | {
            /** @enum {string} */
            action: "delete";
            /** Format: int64 */
            id: number;
        };
        ChangePasswordRequest: {
            current_password: string;
            new_password: string;
        };
        /**
         * @description A field of a collection (named apart from the approval templates' fields in the OpenAPI
         *     document).
         */
        CollectionField: {
            /**
             * @description Value given to records created without one (and to existing records when the field is
             *     added).
             */
            default?: unknown;
            /**
             * Format: int32
             * @description Text only: the longest value in characters (default 255, at most 65535).
             */
            max_length?: number | null;
            /** @description `^[a-z][a-z0-9_]{0,39}$`, not a reserved word (id, created_at, updated_at, ...). */
            name: string;
            /** @description A record must have a value (null is refused); a missing value takes the default. */
            required?: boolean;
            /** @description Relation only: `users` or the name of a collection. */
            target?: string | null;
            type: components["schemas"]["CollectionFieldType"];
            /** @description No two records may hold the same value (nulls excepted). */
            unique?: boolean;
        };
        /**
         * @description The type of a field, which fixes its column type and the JSON values it takes.
         * @enum {string}
         */
        CollectionFieldType: "text" | "number" | "bool" | "date" | "json" | "file" | "relation";
        CollectionIndex: {
            /** @description Fields in order (at most 4). */
            fields: string[];
            unique?: boolean;
        };
        /**
         * @description One rule per action. `null` (or absent): nobody but admins. `""`: everyone, signed in or not.
         *     Otherwise an expression over `record.<field>`, `auth.id`, `auth.role` and
         *     `@request.body.<field>`, such as `record.owner == auth.id || auth.role == "admin"`.
         */
        CollectionRules: {
            create?: string | null;
            delete?: string | null;
            list?: string | null;
            update?: string | null;
            view?: string | null;
        };
        /** @description A collection as an admin writes it (create and change take the same document). */
        CollectionSpec: {
            fields: components["schemas"]["CollectionField"][];
            indexes?: components["schemas"]["CollectionIndex"][];
            /**
             * @description `^[a-z][a-z0-9_]{0,39}$`, not a reserved name (users, files, ...). On a change, absent or
             *     the same name.
             */
            name?: string;
            /**
             * @description A relation-to-users field that records get from their creator (and that only admins
             *     can change).
             */
            owner_field?: string | null;
            rules?: components["schemas"]["CollectionRules"];
            /**
             * Format: int32
             * @description Largest collection (in records) that may be filtered or sorted on an unindexed field
             *     (default 10000).
             */
            scan_limit?: number | null;
        };
        /** @description A collection as the API shows it. */
        CollectionView: components["schemas"]["CollectionSpec"] & {
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            /** Format: date-time */
            updated_at: string;
        };
        CommentBody: {
            text: string;
        };
        CommentView: {
            author: components["schemas"]["UserSummary"];
            content: string;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            /** Format: int32 */
            like_count: number;
            liked_by_me: boolean;
            /**
             * Format: int64
             * @description The thread's root comment, for replies.
             */
            parent_id?: number | null;
            /** Format: int64 */
            post_id: number;
            /**
             * Format: int64
             * @description The user replied to, for replies.
             */
            reply_to_user_id?: number | null;
            status: string;
        };
        /**
         * @description A comparison.
         * @enum {string}
         */
        CompareOp: ">" | ">=" | "<" | "<=" | "==" | "!=";
        /**
         * @description When a step applies: a comparison of a required number or money field with a constant
         *     (`>`, `>=`, `<`, `<=`, `==`, `!=`), or (in)equality of a required choice field with one of
         *     its options (`==`, `!=`). A step without a condition always applies.
         */
        Condition: {
            field: string;
            op: components["schemas"]["CompareOp"];
            value: Record<string, unknown>;
        };
        /** @description The signed-in console account. */
        ConsoleSession: {
            admin: components["schemas"]["AdminAccountView"];
            /**
             * @description Send it as `X-CSRF-Token` on every state-changing request (also in the `mb_csrf` cookie).
             *     Null when the caller used a bearer token rather than the console's cookie.
             */
            csrf_token?: string | null;
            /**
             * Format: int64
             * @description Seconds until the session cookie expires (at sign-in; null afterwards).
             */
            expires_in?: number | null;
        };
        CreateAccountRequest: {
            /** @description At least 10 characters. */
            password: string;
            /** @description `admin` or `moderator`. */
            role: components["schemas"]["Role"];
            /** @description 3-64 letters, digits, '.', '_' or '-'. */
            username: string;
        };
        CreateComment: {
            /** @description 1-500 characters. */
            content: string;
            /**
             * Format: int64
             * @description The comment replied to (the reply joins that comment's thread).
             */
            parent_id?: number | null;
        };
        CreatePost: {
            /** @description 1-2000 characters. */
            content: string;
            /** @description Ids of images the caller uploaded (`POST /api/v1/files`), at most 9, in display order. */
            images?: number[];
            /** @description At most 5 topics (letters, digits, '_' or '-'; a leading '#' is dropped). */
            topics?: string[];
        };
        /** @description The dashboard: counts across features, and this node's traffic by minute. */
        Dashboard: {
            /** Format: int64 */
            approvals_pending: number;
            /** Format: int64 */
            jobs_failed: number;
            /** Format: int64 */
            jobs_pending: number;
            /**
             * Format: int64
             * @description Users created in the last 24 hours.
             */
            new_users: number;
            /**
             * Format: int64
             * @description Flash-sale orders, in every state.
             */
            orders: number;
            /** Format: int64 */
            posts: number;
            /**
             * @description This node's requests by minute over the last two hours, oldest first: an in-memory ring,
             *     per node, emptied by a restart (Prometheus at /metrics keeps the real history).
             */
            traffic: components["schemas"]["TrafficSample"][];
            /** Format: int64 */
            users: number;
        };
        /**
         * @description Everything Minibase holds about a user, as JSON. Sections are rows as stored (times as the
         *     database gives them), secrets excluded: refresh-token hashes and keys, the WeChat session key.
         */
        DataExport: {
            /** @description Records of collections with an owner field that the user owns, by collection. */
            collections: Record<string, unknown>;
            /** Format: date-time */
            exported_at: string;
            /** @description Uploads, with their URLs. */
            files: components["schemas"]["FileView"][];
            profile: components["schemas"]["ExportProfile"];
            /**
             * @description Table rows by section: posts, comments, likes, following, followers, notifications,
             *     flash_sale_orders, payments, approval_requests, approval_tasks, reports, sessions.
             */
            sections: Record<string, unknown>;
        };
        DecisionRequest: {
            /** @description true publishes; false removes. */
            approve: boolean;
            /** @description Also ban the author (ends their sessions). */
            ban_author?: boolean;
            /** @description Required to remove; kept in the audit log. */
            reason?: string;
        };
        DeletionScheduled: {
            /**
             * Format: date-time
             * @description From then on the account is erased; logging in before cancels the request.
             */
            erase_after: string;
            /**
             * Format: date-time
             * @description When the request was first made (asking again does not move it).
             */
            requested_at: string;
        };
        DepartmentBody: {
            /**
             * Format: int64
             * @description The user who heads the department.
             */
            head_user_id?: number | null;
            /** @description No control, bidirectional or zero-width characters; not blank. */
            name: string;
            /**
             * Format: int64
             * @description The parent department; absent or null for a top-level one.
             */
            parent_id?: number | null;
        };
        DepartmentView: {
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            head_user_id?: number | null;
            /** Format: int64 */
            id: number;
            name: string;
            /**
             * Format: int64
             * @description The parent department; null for a top-level one.
             */
            parent_id?: number | null;
            /** Format: date-time */
            updated_at: string;
        };
        EditPost: {
            content?: string | null;
            topics?: string[] | null;
        };
        EncryptedData: {
            /** @description `encryptedData` as the client received it (base64). */
            encrypted_data: string;
            /** @description `iv` as the client received it (base64). */
            iv: string;
        };
        /** @description An entry's state, as kept in the history. */
        EntryState: {
            description: string;
            public: boolean;
            schema?: Record<string, unknown> | null;
            value: unknown;
        };
        /** @description An entry as the admin API shows it. */
        EntryView: {
            description: string;
            name: string;
            /** @description Served by `GET /api/v1/config` (config keys only; flags are evaluated per user). */
            public: boolean;
            /** @description The JSON Schema values are checked against (config keys only). */
            schema?: Record<string, unknown> | null;
            /** Format: date-time */
            updated_at: string;
            updated_by: string;
            value: unknown;
            /**
             * Format: int32
             * @description Increases with every change, across deletes; pass it back as `expected_version`.
             */
            version: number;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_AdminAccountView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description An admin-console account. */
            data: {
                /** Format: date-time */
                created_at: string;
                disabled: boolean;
                /** Format: int64 */
                id: number;
                role: components["schemas"]["Role"];
                username: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_AdminLoginResult: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                admin: components["schemas"]["AdminSummary"];
                /** Format: int64 */
                expires_in: number;
                token: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_AdminUserView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description A user as the admin console sees them. */
            data: {
                avatar_url: string;
                banned: boolean;
                /** Format: date-time */
                created_at: string;
                /**
                 * Format: date-time
                 * @description When the account's personal data was erased (the row stays, anonymised).
                 */
                deleted_at?: string | null;
                /**
                 * Format: date-time
                 * @description When the user asked for the account to be deleted; it is erased a grace period later.
                 */
                deletion_requested_at?: string | null;
                /** Format: int64 */
                id: number;
                nickname: string;
                openid: string;
                /** @description Masked (`138****1234`) unless the caller has the admin role (docs/privacy.md). */
                phone?: string | null;
                role: components["schemas"]["Role"];
                unionid?: string | null;
                /** Format: date-time */
                updated_at: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Alive: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** @description Always "ok". */
                status: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_CollectionView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description A collection as the API shows it. */
            data: components["schemas"]["CollectionSpec"] & {
                /** Format: date-time */
                created_at: string;
                /** Format: int64 */
                id: number;
                /** Format: date-time */
                updated_at: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_CommentView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                author: components["schemas"]["UserSummary"];
                content: string;
                /** Format: date-time */
                created_at: string;
                /** Format: int64 */
                id: number;
                /** Format: int32 */
                like_count: number;
                liked_by_me: boolean;
                /**
                 * Format: int64
                 * @description The thread's root comment, for replies.
                 */
                parent_id?: number | null;
                /** Format: int64 */
                post_id: number;
                /**
                 * Format: int64
                 * @description The user replied to, for replies.
                 */
                reply_to_user_id?: number | null;
                status: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_ConsoleSession: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description The signed-in console account. */
            data: {
                admin: components["schemas"]["AdminAccountView"];
                /**
                 * @description Send it as `X-CSRF-Token` on every state-changing request (also in the `mb_csrf` cookie).
                 *     Null when the caller used a bearer token rather than the console's cookie.
                 */
                csrf_token?: string | null;
                /**
                 * Format: int64
                 * @description Seconds until the session cookie expires (at sign-in; null afterwards).
                 */
                expires_in?: number | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Dashboard: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description The dashboard: counts across features, and this node's traffic by minute. */
            data: {
                /** Format: int64 */
                approvals_pending: number;
                /** Format: int64 */
                jobs_failed: number;
                /** Format: int64 */
                jobs_pending: number;
                /**
                 * Format: int64
                 * @description Users created in the last 24 hours.
                 */
                new_users: number;
                /**
                 * Format: int64
                 * @description Flash-sale orders, in every state.
                 */
                orders: number;
                /** Format: int64 */
                posts: number;
                /**
                 * @description This node's requests by minute over the last two hours, oldest first: an in-memory ring,
                 *     per node, emptied by a restart (Prometheus at /metrics keeps the real history).
                 */
                traffic: components["schemas"]["TrafficSample"][];
                /** Format: int64 */
                users: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_DataExport: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /**
             * @description Everything Minibase holds about a user, as JSON. Sections are rows as stored (times as the
             *     database gives them), secrets excluded: refresh-token hashes and keys, the WeChat session key.
             */
            data: {
                /** @description Records of collections with an owner field that the user owns, by collection. */
                collections: Record<string, unknown>;
                /** Format: date-time */
                exported_at: string;
                /** @description Uploads, with their URLs. */
                files: components["schemas"]["FileView"][];
                profile: components["schemas"]["ExportProfile"];
                /**
                 * @description Table rows by section: posts, comments, likes, following, followers, notifications,
                 *     flash_sale_orders, payments, approval_requests, approval_tasks, reports, sessions.
                 */
                sections: Record<string, unknown>;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_DeletionScheduled: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /**
                 * Format: date-time
                 * @description From then on the account is erased; logging in before cancels the request.
                 */
                erase_after: string;
                /**
                 * Format: date-time
                 * @description When the request was first made (asking again does not move it).
                 */
                requested_at: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_DepartmentView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: date-time */
                created_at: string;
                /** Format: int64 */
                head_user_id?: number | null;
                /** Format: int64 */
                id: number;
                name: string;
                /**
                 * Format: int64
                 * @description The parent department; null for a top-level one.
                 */
                parent_id?: number | null;
                /** Format: date-time */
                updated_at: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_EntryView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description An entry as the admin API shows it. */
            data: {
                description: string;
                name: string;
                /** @description Served by `GET /api/v1/config` (config keys only; flags are evaluated per user). */
                public: boolean;
                /** @description The JSON Schema values are checked against (config keys only). */
                schema?: Record<string, unknown> | null;
                /** Format: date-time */
                updated_at: string;
                updated_by: string;
                value: unknown;
                /**
                 * Format: int32
                 * @description Increases with every change, across deletes; pass it back as `expected_version`.
                 */
                version: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_FileView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description A stored image as clients see it. */
            data: {
                content_type: string;
                /** Format: int32 */
                height: number;
                /** Format: int64 */
                id: number;
                /** Format: int64 */
                size: number;
                /** @description Absolute URL of the file (under `public_url`). */
                url: string;
                /** Format: int32 */
                width: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_FollowState: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                following: boolean;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_JsonObject: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                [key: string]: unknown;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_LikeState: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: int32 */
                like_count: number;
                liked: boolean;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_LoginResult: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /**
                 * Format: int64
                 * @description Seconds until `token` expires.
                 */
                expires_in: number;
                /** @description Single-use: exchange at `/api/v1/auth/refresh` for a new pair. */
                refresh_token: string;
                /** @description The access token (JWT), sent as `Authorization: Bearer <token>`. */
                token: string;
                user: components["schemas"]["UserSummary"];
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_MarkedRead: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: int64 */
                marked: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Me: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description The caller's own profile. */
            data: {
                avatar_url: string;
                /** Format: date-time */
                created_at: string;
                /** Format: int64 */
                id: number;
                nickname: string;
                /** @description The bound phone number, once `POST /api/v1/users/me/phone` succeeded. */
                phone?: string | null;
                role: components["schemas"]["Role"];
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_MemberView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: int64 */
                department_id: number;
                /** Format: int64 */
                manager_user_id?: number | null;
                /** Format: date-time */
                updated_at: string;
                user: components["schemas"]["UserSummary"];
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Option_String: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: null | string;
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_OrderView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: date-time */
                closed_at?: string | null;
                /** Format: date-time */
                created_at: string;
                /**
                 * Format: date-time
                 * @description An unpaid order expires (and its stock goes back) at this time.
                 */
                expires_at: string;
                /** Format: int64 */
                order_id: number;
                /** Format: date-time */
                paid_at?: string | null;
                /** Format: int32 */
                quantity: number;
                /** Format: int64 */
                sale_id: number;
                /** @description created, paid, cancelled or expired. */
                status: string;
                /** Format: int64 */
                total_cents: number;
                /** Format: int64 */
                unit_price_cents: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_ActionView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    /** @description publish, approve, remove, block, hold, review, ban, resolve. */
                    action: string;
                    /** @description admin:<id>, user:<id>, or wechat for automatic checks. */
                    actor: string;
                    /** Format: date-time */
                    created_at: string;
                    /** Format: int64 */
                    id: number;
                    reason: string;
                    /** Format: int64 */
                    target_id: number;
                    target_type: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_AdminFileView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    content_type: string;
                    /** Format: date-time */
                    created_at: string;
                    /** Format: int32 */
                    height: number;
                    /** Format: int64 */
                    id: number;
                    /** Format: int64 */
                    owner_id: number;
                    /** Format: int64 */
                    size: number;
                    storage_key: string;
                    url: string;
                    /** Format: int32 */
                    width: number;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_AdminOrderView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: (components["schemas"]["OrderView"] & {
                    /** Format: int64 */
                    user_id: number;
                })[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_AdminUserView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    avatar_url: string;
                    banned: boolean;
                    /** Format: date-time */
                    created_at: string;
                    /**
                     * Format: date-time
                     * @description When the account's personal data was erased (the row stays, anonymised).
                     */
                    deleted_at?: string | null;
                    /**
                     * Format: date-time
                     * @description When the user asked for the account to be deleted; it is erased a grace period later.
                     */
                    deletion_requested_at?: string | null;
                    /** Format: int64 */
                    id: number;
                    nickname: string;
                    openid: string;
                    /** @description Masked (`138****1234`) unless the caller has the admin role (docs/privacy.md). */
                    phone?: string | null;
                    role: components["schemas"]["Role"];
                    unionid?: string | null;
                    /** Format: date-time */
                    updated_at: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_AuditEntry: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    /** Format: int64 */
                    actor_id: number;
                    /** @description `admin` (a console account) or `user` (a mini-program user with a staff role). */
                    actor_kind: string;
                    /** @description The console account's username (null for mini-program users). */
                    actor_name?: string | null;
                    actor_role: string;
                    client_ip: string;
                    /** Format: date-time */
                    created_at: string;
                    /** Format: int64 */
                    id: number;
                    method: string;
                    /** @description The reason the operator gave, when the action takes one (a ban). */
                    note?: string | null;
                    path: string;
                    request_id: string;
                    route: string;
                    /** Format: int32 */
                    status: number;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_CommentView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    author: components["schemas"]["UserSummary"];
                    content: string;
                    /** Format: date-time */
                    created_at: string;
                    /** Format: int64 */
                    id: number;
                    /** Format: int32 */
                    like_count: number;
                    liked_by_me: boolean;
                    /**
                     * Format: int64
                     * @description The thread's root comment, for replies.
                     */
                    parent_id?: number | null;
                    /** Format: int64 */
                    post_id: number;
                    /**
                     * Format: int64
                     * @description The user replied to, for replies.
                     */
                    reply_to_user_id?: number | null;
                    status: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_JobView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    /** Format: int32 */
                    attempts: number;
                    /** Format: date-time */
                    created_at: string;
                    /** Format: int64 */
                    id: number;
                    kind: string;
                    last_error?: string | null;
                    /** Format: int32 */
                    max_attempts: number;
                    /** @description The job's input (JSON text). */
                    payload: string;
                    /** Format: date-time */
                    run_at: string;
                    /** @description pending, running, done or failed. */
                    status: string;
                    /** Format: date-time */
                    updated_at: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_MyTaskView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    comment?: string | null;
                    /** Format: date-time */
                    created_at: string;
                    /** Format: date-time */
                    decided_at?: string | null;
                    request: components["schemas"]["RequestSummary"];
                    /** @description pending, approved, rejected or transferred. */
                    status: string;
                    /** Format: int32 */
                    step_index: number;
                    step_name: string;
                    /** Format: int64 */
                    task_id: number;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_NotificationView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    /** Format: int64 */
                    actor_id?: number | null;
                    body: Record<string, unknown>;
                    /** Format: date-time */
                    created_at: string;
                    /** Format: int64 */
                    id: number;
                    kind: string;
                    read: boolean;
                    /** Format: int64 */
                    subject_id: number;
                    subject_type: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_OrderView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    /** Format: date-time */
                    closed_at?: string | null;
                    /** Format: date-time */
                    created_at: string;
                    /**
                     * Format: date-time
                     * @description An unpaid order expires (and its stock goes back) at this time.
                     */
                    expires_at: string;
                    /** Format: int64 */
                    order_id: number;
                    /** Format: date-time */
                    paid_at?: string | null;
                    /** Format: int32 */
                    quantity: number;
                    /** Format: int64 */
                    sale_id: number;
                    /** @description created, paid, cancelled or expired. */
                    status: string;
                    /** Format: int64 */
                    total_cents: number;
                    /** Format: int64 */
                    unit_price_cents: number;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_PostView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    author: components["schemas"]["UserSummary"];
                    /** Format: int32 */
                    comment_count: number;
                    content: string;
                    /** Format: date-time */
                    created_at: string;
                    /** Format: int64 */
                    id: number;
                    images: components["schemas"]["FileView"][];
                    /** Format: int32 */
                    like_count: number;
                    /** @description Whether the caller liked it (false for anonymous callers). */
                    liked_by_me: boolean;
                    /** @description published; or, for its author and moderators, checking / pending / blocked / removed. */
                    status: string;
                    topics: string[];
                    /** Format: date-time */
                    updated_at: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_ProductView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    /** Format: date-time */
                    created_at: string;
                    description: string;
                    /** Format: int64 */
                    id: number;
                    images: string[];
                    name: string;
                    /** Format: int64 */
                    price_cents: number;
                    skus: components["schemas"]["Sku"][];
                    /** Format: date-time */
                    updated_at: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_Record: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    /** Format: date-time */
                    created_at: string;
                    /** @description Records of related collections and user profiles, by field (with `expand`). */
                    expand?: Record<string, unknown> | null;
                    /** Format: int64 */
                    id: number;
                    /** Format: date-time */
                    updated_at: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_ReportView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    /** Format: date-time */
                    created_at: string;
                    /** Format: int64 */
                    id: number;
                    reason: string;
                    /** Format: int64 */
                    reporter_id: number;
                    resolution?: string | null;
                    /** Format: date-time */
                    resolved_at?: string | null;
                    resolved_by?: string | null;
                    /** @description open or resolved. */
                    status: string;
                    /** Format: int64 */
                    target_id: number;
                    target_type: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_RequestSummary: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    applicant: components["schemas"]["UserSummary"];
                    /** Format: date-time */
                    created_at: string;
                    /**
                     * Format: int32
                     * @description Index (from 0) of the step waiting for approval; null once finished.
                     */
                    current_step?: number | null;
                    current_step_name?: string | null;
                    /** Format: date-time */
                    finished_at?: string | null;
                    /** Format: int64 */
                    id: number;
                    /** @description pending, approved, rejected or withdrawn. */
                    status: string;
                    /** Format: int64 */
                    template_id: number;
                    template_name: string;
                    title: string;
                    /** Format: date-time */
                    updated_at: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Page_UserSummary: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                items: {
                    avatar_url: string;
                    /** Format: int64 */
                    id: number;
                    nickname: string;
                }[];
                /** @description Pass as `cursor` for the next page; null on the last page. */
                next_cursor?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_PayParams: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description What `POST .../pay` answers. */
            data: {
                /**
                 * Format: int64
                 * @description Fen (分).
                 */
                amount_cents: number;
                /** @description The merchant order number at WeChat Pay. */
                out_trade_no: string;
                /** @description Pass these to `wx.requestPayment` as they are. */
                request_payment: components["schemas"]["WxRequestPayment"];
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_PaymentView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description A payment with its refunds and its event log (admins). */
            data: {
                /** Format: int64 */
                amount_cents: number;
                /** Format: date-time */
                closed_at?: string | null;
                events: components["schemas"]["PaymentEventView"][];
                out_trade_no: string;
                /** Format: date-time */
                paid_at?: string | null;
                /** Format: int64 */
                refunded_cents: number;
                refunds: components["schemas"]["RefundView"][];
                /** @description pending, paid or closed. */
                status: string;
                subject: string;
                /** Format: int64 */
                subject_id: number;
                transaction_id?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_PhoneView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                country_code: string;
                phone_number: string;
                pure_phone_number: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_PostView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                author: components["schemas"]["UserSummary"];
                /** Format: int32 */
                comment_count: number;
                content: string;
                /** Format: date-time */
                created_at: string;
                /** Format: int64 */
                id: number;
                images: components["schemas"]["FileView"][];
                /** Format: int32 */
                like_count: number;
                /** @description Whether the caller liked it (false for anonymous callers). */
                liked_by_me: boolean;
                /** @description published; or, for its author and moderators, checking / pending / blocked / removed. */
                status: string;
                topics: string[];
                /** Format: date-time */
                updated_at: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_ProductView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: date-time */
                created_at: string;
                description: string;
                /** Format: int64 */
                id: number;
                images: string[];
                name: string;
                /** Format: int64 */
                price_cents: number;
                skus: components["schemas"]["Sku"][];
                /** Format: date-time */
                updated_at: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Profile: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                avatar_url: string;
                followed_by_me: boolean;
                /** Format: int64 */
                followers: number;
                /** Format: int64 */
                following: number;
                /** Format: int64 */
                id: number;
                nickname: string;
                /** Format: int64 */
                posts: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Readiness: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description What each dependency answered. */
            data: {
                /** @description "ok" */
                database: string;
                /** @description "ok", or "not configured" on a single node without Redis. */
                redis: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Record: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description A record: its id and timestamps, and its fields by name (each a property of its own). */
            data: {
                /** Format: date-time */
                created_at: string;
                /** @description Records of related collections and user profiles, by field (with `expand`). */
                expand?: Record<string, unknown> | null;
                /** Format: int64 */
                id: number;
                /** Format: date-time */
                updated_at: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_RefundView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: int64 */
                admin_id?: number | null;
                /** Format: int64 */
                amount_cents: number;
                /** Format: date-time */
                created_at: string;
                out_refund_no: string;
                reason: string;
                refund_id?: string | null;
                /** @description processing, success, closed, abnormal or failed. */
                status: string;
                /** Format: date-time */
                succeeded_at?: string | null;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_ReportView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: date-time */
                created_at: string;
                /** Format: int64 */
                id: number;
                reason: string;
                /** Format: int64 */
                reporter_id: number;
                resolution?: string | null;
                /** Format: date-time */
                resolved_at?: string | null;
                resolved_by?: string | null;
                /** @description open or resolved. */
                status: string;
                /** Format: int64 */
                target_id: number;
                target_type: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_RequestView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: components["schemas"]["RequestSummary"] & {
                /** @description What the caller may do now: approve, reject, transfer, withdraw, comment. */
                actions: string[];
                /** @description The values as stored (money as "1234.50"). */
                form: Record<string, unknown>;
                steps: components["schemas"]["StepView"][];
                /** @description The template as it was when the request was submitted (labels for the form). */
                template: components["schemas"]["TemplateSnapshot"];
                /** Format: int32 */
                template_version: number;
                /**
                 * Format: int32
                 * @description Grows with every change of the request.
                 */
                version: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_SaleDetail: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: components["schemas"]["SaleView"] & {
                /** Format: date-time */
                server_time: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_SaleList: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /** @description A page of sales with the server's clock, so clients count down against it and not their own. */
            data: {
                items: components["schemas"]["SaleView"][];
                next_cursor?: string | null;
                /** Format: date-time */
                server_time: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_SaleStats: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            /**
             * @description What an admin (and the benchmark) checks after a sale: orders and units by status, whether
             *     the database's books balance, and whether Redis agrees with the database.
             */
            data: {
                /**
                 * @description The database's books balance: `stock_total = stock_left + units_sold`, and no more sold
                 *     than the stock.
                 */
                books_consistent: boolean;
                /** @description `books_consistent`, and `redis_consistent` is not false. */
                consistent: boolean;
                /** @description Orders by status (created, paid, cancelled, expired). */
                orders: {
                    [key: string]: number;
                };
                /**
                 * @description Redis agrees with the database: `stock_left - redis_leased_units <= redis_stock <=
                 *     stock_left` (Redis is short by at most the orders being written, and never over). False
                 *     while stock is held by a dead node's reservations or was not given back to Redis, or
                 *     while Redis overstates the stock; null when `redis_stock` is.
                 */
                redis_consistent?: boolean | null;
                /**
                 * Format: int64
                 * @description Units of Redis reservations whose lease lapsed (their node died or stalled) and that no
                 *     node has reclaimed yet: held back from buyers although the database has them.
                 */
                redis_lapsed_units?: number | null;
                /**
                 * Format: int64
                 * @description Units of Redis reservations whose lease is live: orders being written right now.
                 */
                redis_leased_units?: number | null;
                /**
                 * Format: int64
                 * @description Redis's stock (several nodes); null without Redis, while it is unreachable, or before the
                 *     sale's keys are loaded.
                 */
                redis_stock?: number | null;
                /** Format: int64 */
                sale_id: number;
                /** Format: date-time */
                server_time: string;
                /**
                 * Format: int32
                 * @description Units left in the database (the source of truth).
                 */
                stock_left: number;
                /** Format: int32 */
                stock_total: number;
                /** @description Units by status. */
                units: {
                    [key: string]: number;
                };
                /**
                 * Format: int64
                 * @description Units held by live orders (created + paid).
                 */
                units_sold: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_SaleView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                enabled: boolean;
                /** Format: date-time */
                ends_at: string;
                /** Format: int64 */
                id: number;
                /** Format: int32 */
                per_user_limit: number;
                phase: components["schemas"]["SalePhase"];
                product?: null | components["schemas"]["ProductView"];
                /** Format: int64 */
                product_id: number;
                /** Format: int64 */
                sale_price_cents: number;
                sku_code?: string | null;
                /** Format: date-time */
                starts_at: string;
                /** Format: int32 */
                stock_left: number;
                /** Format: int32 */
                stock_total: number;
                title: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_SignatureCheck: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** @description Always true (a mismatch is a 403 with code 40304). */
                valid: boolean;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_TemplateView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: date-time */
                created_at: string;
                description: string;
                enabled: boolean;
                fields: components["schemas"]["FieldDef"][];
                /** Format: int64 */
                id: number;
                name: string;
                steps: components["schemas"]["StepDef"][];
                /** Format: date-time */
                updated_at: string;
                updated_by: string;
                /**
                 * Format: int32
                 * @description Grows with every change; requests record the version they were submitted under.
                 */
                version: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Ticket: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /**
                 * Format: int64
                 * @description Seconds it stays valid.
                 */
                expires_in: number;
                /** @description Pass as `?ticket=` to the WebSocket or SSE endpoint; it works once. */
                ticket: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_TimelineView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /**
                 * Format: int32
                 * @description The first event that fails verification.
                 */
                broken_at_seq?: number | null;
                /** @description Every hash recomputed and every link checked, against the head the request records. */
                chain_valid: boolean;
                events: components["schemas"]["EventView"][];
                /** @description The last event's hash: keep it as a receipt of the history so far. */
                head_hash: string;
                problem?: string | null;
                /** Format: int64 */
                request_id: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_TokenPair: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: int64 */
                expires_in: number;
                refresh_token: string;
                token: string;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_UnreadCount: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: int64 */
                unread: number;
            };
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Vec_AdminAccountView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: date-time */
                created_at: string;
                disabled: boolean;
                /** Format: int64 */
                id: number;
                role: components["schemas"]["Role"];
                username: string;
            }[];
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Vec_CollectionView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: (components["schemas"]["CollectionSpec"] & {
                /** Format: date-time */
                created_at: string;
                /** Format: int64 */
                id: number;
                /** Format: date-time */
                updated_at: string;
            })[];
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Vec_DepartmentView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: date-time */
                created_at: string;
                /** Format: int64 */
                head_user_id?: number | null;
                /** Format: int64 */
                id: number;
                name: string;
                /**
                 * Format: int64
                 * @description The parent department; null for a top-level one.
                 */
                parent_id?: number | null;
                /** Format: date-time */
                updated_at: string;
            }[];
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Vec_EntryView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                description: string;
                name: string;
                /** @description Served by `GET /api/v1/config` (config keys only; flags are evaluated per user). */
                public: boolean;
                /** @description The JSON Schema values are checked against (config keys only). */
                schema?: Record<string, unknown> | null;
                /** Format: date-time */
                updated_at: string;
                updated_by: string;
                value: unknown;
                /**
                 * Format: int32
                 * @description Increases with every change, across deletes; pass it back as `expected_version`.
                 */
                version: number;
            }[];
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Vec_HistoryView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** @description create, update, delete or rollback. */
                action: string;
                actor: string;
                /** Format: date-time */
                at: string;
                new?: null | components["schemas"]["EntryState"];
                old?: null | components["schemas"]["EntryState"];
                /**
                 * Format: int64
                 * @description Global revision of the configuration after this change.
                 */
                revision: number;
                /**
                 * Format: int32
                 * @description The entry's version after this change.
                 */
                version: number;
            }[];
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Vec_MemberView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: int64 */
                department_id: number;
                /** Format: int64 */
                manager_user_id?: number | null;
                /** Format: date-time */
                updated_at: string;
                user: components["schemas"]["UserSummary"];
            }[];
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Vec_Quota: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: int32 */
                remaining: number;
                template_id: string;
            }[];
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Vec_TemplateVersionView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: date-time */
                created_at: string;
                created_by: string;
                description: string;
                fields: components["schemas"]["FieldDef"][];
                name: string;
                steps: components["schemas"]["StepDef"][];
                /** Format: int32 */
                version: number;
            }[];
            /** @description Always "ok" on success. */
            message: string;
        };
        /** @description Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on). */
        Envelope_Vec_TemplateView: {
            /**
             * Format: int32
             * @description Always 0 on success.
             */
            code: number;
            data: {
                /** Format: date-time */
                created_at: string;
                description: string;
                enabled: boolean;
                fields: components["schemas"]["FieldDef"][];
                /** Format: int64 */
                id: number;
                name: string;
                steps: components["schemas"]["StepDef"][];
                /** Format: date-time */
                updated_at: string;
                updated_by: string;
                /**
                 * Format: int32
                 * @description Grows with every change; requests record the version they were submitted under.
                 */
                version: number;
            }[];
            /** @description Always "ok" on success. */
            message: string;
        };
        /**
         * @description Stable error code; the first three digits are the HTTP status.
         *
         *     - `40000` BadRequest: The request is not acceptable as sent.
         *     - `40001` MalformedJson: The body is not well-formed JSON.
         *     - `40002` InvalidQuery: A query-string parameter is missing or malformed; the message names it.
         *     - `40003` InvalidCursor: The pagination cursor is unknown or forged.
         *     - `40010` InvalidWechatCode: WeChat rejected the wx.login code (errcode 40029).
         *     - `40011` WechatCodeUsed: The wx.login code was already used (errcode 40163).
         *     - `40020` SaleNotStarted: The flash sale has not started yet; wait for its start time.
         *     - `40021` SaleEnded: The flash sale has ended or was closed.
         *     - `40030` ApproverUnresolved: An approval step has nobody to approve it (no manager, no department head, nobody with the role); the message names the step.
         *     - `40031` TemplateDisabled: The approval template is disabled; no new request can be submitted with it.
         *     - `40040` InvalidFilter: A collection query (filter, where, sort, fields or expand) does not parse, names an unknown field, compares values of different types or is too complex; the message says where.
         *     - `40041` UnindexedFilter: The query filters or sorts on a field that is not indexed, in a collection larger than its scan limit; add an index on the field the message names.
         *     - `40100` Unauthenticated: No bearer token was sent.
         *     - `40101` TokenMalformed: The bearer token is not a well-formed JWT.
         *     - `40102` TokenInvalid: The token's signature, algorithm or claims are not valid.
         *     - `40103` TokenExpired: The access token has expired; refresh it.
         *     - `40104` TokenRevoked: The token was revoked (logout, ban, an admin ended all sessions, or the account was deleted).
         *     - `40105` InvalidCredentials: Wrong username or password.
         *     - `40106` RefreshTokenInvalid: The refresh token is unknown, expired or revoked, or was not issued for the session it names.
         *     - `40107` RefreshTokenReused: A spent refresh token was presented again (after the short grace for parallel refreshes); its whole session is revoked.
         *     - `40108` TicketInvalid: The realtime ticket is unknown, expired or already used; get a new one.
         *     - `40300` Forbidden: The caller lacks the role or ownership needed.
         *     - `40301` UserBanned: The account is banned.
         *     - `40302` WechatRiskyUser: WeChat flagged the user as high risk (errcode 40226).
         *     - `40303` WatermarkMismatch: Decrypted open data belongs to another AppID.
         *     - `40304` SignatureMismatch: The login-state or raw-data signature does not match.
         *     - `40305` CsrfRejected: A state-changing request signed in by the console's cookie lacks the X-CSRF-Token header, or it does not match the session.
         *     - `40400` RouteNotFound: No route matches the path.
         *     - `40401` NotFound: The resource does not exist (or is not visible to the caller).
         *     - `40500` MethodNotAllowed: The path exists but not with this HTTP method.
         *     - `40900` Conflict: The request conflicts with the current state.
         *     - `40910` SoldOut: The flash sale is sold out.
         *     - `40911` OverLimit: The caller already bought as many as the sale's per-user limit allows.
         *     - `40912` OrderStateConflict: The order is not in a state that allows this (e.g. cancelling a paid order).
         *     - `40913` IdempotencyConflict: The Idempotency-Key was already used for a different request.
         *     - `40930` RequestNotPending: The approval request is no longer pending (approved, rejected or withdrawn).
         *     - `40931` AlreadyDecided: You already acted on this approval request (approved, rejected or transferred your task).
         *     - `40932` NotYourTurn: The approval request is not waiting for you: you have no pending task at its current step.
         *     - `40933` StepCompleted: Another approver completed this approval step first; your task was cancelled.
         *     - `40934` DepartmentNotEmpty: The department still has sub-departments or members; move them first.
         *     - `40940` DestructiveChange: The change would delete data (a dropped or retyped field, a deleted collection); the message says what, and the request must confirm it.
         *     - `40950` DuplicateContent: The same text was posted again within the duplicate window.
         *     - `40951` NotEditable: The content can no longer be changed (removed, blocked or deleted).
         *     - `40960` RefundExceedsPaid: The refund is larger than what is left of the payment (refunds so far included).
         *     - `41300` PayloadTooLarge: The body exceeds the configured size limit.
         *     - `41500` UnsupportedMediaType: The Content-Type is not the one the endpoint takes (usually application/json).
         *     - `42200` ValidationFailed: A field is missing or invalid; the message names the field.
         *     - `42210` ContentRejected: WeChat's content check found the text risky; it was not published.
         *     - `42220` InvalidRule: An access rule does not parse or names an unknown field; the message names the rule and the column of the error.
         *     - `42900` RateLimited: Too many requests; retry after the Retry-After header's seconds.
         *     - `42910` TooManyConnections: Too many realtime connections: the caller's own limit, or the node's.
         *     - `50000` Internal: An unexpected server error; the log holds the detail under the request id.
         *     - `50200` WechatUnavailable: WeChat could not be reached or answered 'system busy' after retries.
         *     - `50201` WechatRateLimited: WeChat's API quota was reached (errcode 45011 and kin).
         *     - `50202` WechatError: WeChat answered an error not covered by a more specific code.
         *     - `50210` PaymentUnavailable: WeChat Pay is unreachable or answered 5xx; retry the same request.
         *     - `50211` PaymentRejected: WeChat Pay refused the request; the message names its code.
         *     - `50300` Unavailable: A dependency (database, Redis) is unavailable.
         *     - `50301` Timeout: The request took longer than the configured request timeout.
         *     - `50310` PaymentsDisabled: WeChat Pay is not configured on this server.
         * @enum {integer}
         */
        ErrorCode: 40000 | 40001 | 40002 | 40003 | 40010 | 40011 | 40020 | 40021 | 40030 | 40031 | 40040 | 40041 | 40100 | 40101 | 40102 | 40103 | 40104 | 40105 | 40106 | 40107 | 40108 | 40300 | 40301 | 40302 | 40303 | 40304 | 40305 | 40400 | 40401 | 40500 | 40900 | 40910 | 40911 | 40912 | 40913 | 40930 | 40931 | 40932 | 40933 | 40934 | 40940 | 40950 | 40951 | 40960 | 41300 | 41500 | 42200 | 42210 | 42220 | 42900 | 42910 | 50000 | 50200 | 50201 | 50202 | 50210 | 50211 | 50300 | 50301 | 50310;
        /** @description The error envelope of every 4xx/5xx answer. */
        ErrorEnvelope: {
            code: components["schemas"]["ErrorCode"];
            /** @description Always null on errors. */
            data?: Record<string, unknown> | null;
            /** @description Human-readable; may change between versions. Branch on `code` instead. */
            message: string;
            /** @description The request id, also in the `X-Request-Id` header and every log line of the request. */
            request_id: string;
        };
        EventView: {
            /**
             * @description submit, step_started, step_skipped, approve, reject, transfer, withdraw, comment,
             *     approved, rejected.
             */
            action: string;
            actor?: null | components["schemas"]["UserSummary"];
            comment?: string | null;
            /** Format: date-time */
            created_at: string;
            detail: Record<string, unknown>;
            /** @description SHA-256 of the form as submitted. */
            form_sha256: string;
            hash: string;
            prev_hash: string;
            /** Format: int32 */
            seq: number;
            /** Format: int32 */
            step_index?: number | null;
        };
        ExportProfile: {
            avatar_url: string;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            nickname: string;
            openid: string;
            /** @description In full: it is the user's own. */
            phone?: string | null;
            role: components["schemas"]["Role"];
            unionid?: string | null;
            /** Format: date-time */
            updated_at: string;
        };
        /** @description One field of a template's form. */
        FieldDef: {
            /** @description The key of the value in the submitted form: `a-z`, `0-9` and `_`, starting with a letter. */
            key: string;
            /** @description What the mini-program shows. */
            label: string;
            /** @description Upper bound, like `min`. */
            max?: Record<string, unknown> | null;
            /** @description Lower bound: characters (text), value (number), amount (money), count (attachments). */
            min?: Record<string, unknown> | null;
            /** @description The allowed values of a choice field. */
            options?: string[] | null;
            /** @description A required field must be present, not null, and not empty. */
            required?: boolean;
            type: components["schemas"]["FieldType"];
        };
        /**
         * @description The type of a form field.
         * @enum {string}
         */
        FieldType: "text" | "number" | "money" | "date_range" | "choice" | "attachments";
        /** @description A stored image as clients see it. */
        FileView: {
            content_type: string;
            /** Format: int32 */
            height: number;
            /** Format: int64 */
            id: number;
            /** Format: int64 */
            size: number;
            /** @description Absolute URL of the file (under `public_url`). */
            url: string;
            /** Format: int32 */
            width: number;
        };
        FollowState: {
            following: boolean;
        };
        HistoryView: {
            /** @description create, update, delete or rollback. */
            action: string;
            actor: string;
            /** Format: date-time */
            at: string;
            new?: null | components["schemas"]["EntryState"];
            old?: null | components["schemas"]["EntryState"];
            /**
             * Format: int64
             * @description Global revision of the configuration after this change.
             */
            revision: number;
            /**
             * Format: int32
             * @description The entry's version after this change.
             */
            version: number;
        };
        /** @description A background job as the console shows it. */
        JobView: {
            /** Format: int32 */
            attempts: number;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            kind: string;
            last_error?: string | null;
            /** Format: int32 */
            max_attempts: number;
            /** @description The job's input (JSON text). */
            payload: string;
            /** Format: date-time */
            run_at: string;
            /** @description pending, running, done or failed. */
            status: string;
            /** Format: date-time */
            updated_at: string;
        };
        JsonObject: {
            [key: string]: unknown;
        };
        LikeState: {
            /** Format: int32 */
            like_count: number;
            liked: boolean;
        };
        LoginRequest: {
            /** @description The code from `wx.login()`. */
            code: string;
        };
        LoginResult: {
            /**
             * Format: int64
             * @description Seconds until `token` expires.
             */
            expires_in: number;
            /** @description Single-use: exchange at `/api/v1/auth/refresh` for a new pair. */
            refresh_token: string;
            /** @description The access token (JWT), sent as `Authorization: Bearer <token>`. */
            token: string;
            user: components["schemas"]["UserSummary"];
        };
        MarkRead: {
            /** @description The notifications to mark; absent marks all of the caller's. */
            ids?: number[] | null;
        };
        MarkedRead: {
            /** Format: int64 */
            marked: number;
        };
        /** @description The caller's own profile. */
        Me: {
            avatar_url: string;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            nickname: string;
            /** @description The bound phone number, once `POST /api/v1/users/me/phone` succeeded. */
            phone?: string | null;
            role: components["schemas"]["Role"];
        };
        MemberBody: {
            /** Format: int64 */
            department_id: number;
            /**
             * Format: int64
             * @description The member's direct manager (another user).
             */
            manager_user_id?: number | null;
        };
        MemberView: {
            /** Format: int64 */
            department_id: number;
            /** Format: int64 */
            manager_user_id?: number | null;
            /** Format: date-time */
            updated_at: string;
            user: components["schemas"]["UserSummary"];
        };
        MyTaskView: {
            comment?: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            decided_at?: string | null;
            request: components["schemas"]["RequestSummary"];
            /** @description pending, approved, rejected or transferred. */
            status: string;
            /** Format: int32 */
            step_index: number;
            step_name: string;
            /** Format: int64 */
            task_id: number;
        };
        NotificationView: {
            /** Format: int64 */
            actor_id?: number | null;
            body: Record<string, unknown>;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            kind: string;
            read: boolean;
            /** Format: int64 */
            subject_id: number;
            subject_type: string;
        };
        /** @description The failure answer WeChat Pay reads. */
        NotifyFailure: {
            /** @description `FAIL`. */
            code: string;
            message: string;
        };
        OrderInput: {
            /**
             * Format: int32
             * @description Units to buy (default 1), at most the sale's per-user limit.
             */
            quantity?: number | null;
        };
        OrderView: {
            /** Format: date-time */
            closed_at?: string | null;
            /** Format: date-time */
            created_at: string;
            /**
             * Format: date-time
             * @description An unpaid order expires (and its stock goes back) at this time.
             */
            expires_at: string;
            /** Format: int64 */
            order_id: number;
            /** Format: date-time */
            paid_at?: string | null;
            /** Format: int32 */
            quantity: number;
            /** Format: int64 */
            sale_id: number;
            /** @description created, paid, cancelled or expired. */
            status: string;
            /** Format: int64 */
            total_cents: number;
            /** Format: int64 */
            unit_price_cents: number;
        };
        /** @description What `POST .../pay` answers. */
        PayParams: {
            /**
             * Format: int64
             * @description Fen (分).
             */
            amount_cents: number;
            /** @description The merchant order number at WeChat Pay. */
            out_trade_no: string;
            /** @description Pass these to `wx.requestPayment` as they are. */
            request_payment: components["schemas"]["WxRequestPayment"];
        };
        /**
         * @description One entry of a payment's event log. Named apart in the spec: the approvals' `EventView`
         *     took the plain name, and the two shapes must not share one schema.
         */
        PaymentEventView: {
            /** Format: int64 */
            actor_id?: number | null;
            /** Format: date-time */
            created_at: string;
            detail: unknown;
            /**
             * @description notification, paid, mismatch, unknown_order, paid_after_close, closed, admin_mark_paid,
             *     refund_requested or refund_updated.
             */
            kind: string;
            notification_id?: string | null;
        };
        /** @description A payment with its refunds and its event log (admins). */
        PaymentView: {
            /** Format: int64 */
            amount_cents: number;
            /** Format: date-time */
            closed_at?: string | null;
            events: components["schemas"]["PaymentEventView"][];
            out_trade_no: string;
            /** Format: date-time */
            paid_at?: string | null;
            /** Format: int64 */
            refunded_cents: number;
            refunds: components["schemas"]["RefundView"][];
            /** @description pending, paid or closed. */
            status: string;
            subject: string;
            /** Format: int64 */
            subject_id: number;
            transaction_id?: string | null;
        };
        PhoneRequest: {
            /** @description The code from the `getPhoneNumber` button. */
            code: string;
        };
        PhoneView: {
            country_code: string;
            phone_number: string;
            pure_phone_number: string;
        };
        Pong: {
            /** @description Always "pong". */
            message: string;
        };
        PostView: {
            author: components["schemas"]["UserSummary"];
            /** Format: int32 */
            comment_count: number;
            content: string;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            images: components["schemas"]["FileView"][];
            /** Format: int32 */
            like_count: number;
            /** @description Whether the caller liked it (false for anonymous callers). */
            liked_by_me: boolean;
            /** @description published; or, for its author and moderators, checking / pending / blocked / removed. */
            status: string;
            topics: string[];
            /** Format: date-time */
            updated_at: string;
        };
        ProductInput: {
            description?: string;
            /** @description Image URLs, at most 20. */
            images?: string[];
            name: string;
            /**
             * Format: int64
             * @description List price in cents (分).
             */
            price_cents: number;
            /** @description At most 100 SKUs with distinct codes. */
            skus?: components["schemas"]["Sku"][];
        };
        ProductView: {
            /** Format: date-time */
            created_at: string;
            description: string;
            /** Format: int64 */
            id: number;
            images: string[];
            name: string;
            /** Format: int64 */
            price_cents: number;
            skus: components["schemas"]["Sku"][];
            /** Format: date-time */
            updated_at: string;
        };
        Profile: {
            avatar_url: string;
            followed_by_me: boolean;
            /** Format: int64 */
            followers: number;
            /** Format: int64 */
            following: number;
            /** Format: int64 */
            id: number;
            nickname: string;
            /** Format: int64 */
            posts: number;
        };
        PutEntry: {
            description?: string | null;
            /**
             * Format: int32
             * @description The version the change was based on; a different current version is a 409.
             */
            expected_version?: number | null;
            /** @description Served by `GET /api/v1/config` (config keys only). Absent keeps it (false for a new key). */
            public?: boolean | null;
            /** @description A JSON Schema the value must match (config keys only); null removes it, absent keeps it. */
            schema?: Record<string, unknown> | null;
            /** @description Any JSON value. For a flag: `{"enabled","percentage","roles","users"}`. */
            value: unknown;
        };
        Quota: {
            /** Format: int32 */
            remaining: number;
            template_id: string;
        };
        /** @description What each dependency answered. */
        Readiness: {
            /** @description "ok" */
            database: string;
            /** @description "ok", or "not configured" on a single node without Redis. */
            redis: string;
        };
        ReasonRequest: {
            /** @description Why: kept in the admin audit log with the action. */
            reason?: string | null;
        };
        /** @description A record: its id and timestamps, and its fields by name (each a property of its own). */
        Record: {
            /** Format: date-time */
            created_at: string;
            /** @description Records of related collections and user profiles, by field (with `expand`). */
            expand?: Record<string, unknown> | null;
            /** Format: int64 */
            id: number;
            /** Format: date-time */
            updated_at: string;
        };
        RefreshRequest: {
            refresh_token: string;
        };
        RefundInput: {
            /**
             * Format: int64
             * @description Fen to give back; default: all that is left.
             */
            amount_cents?: number | null;
            /** @description Why (shown to the payer, kept in the audit log), 1-80 characters. */
            reason: string;
        };
        RefundView: {
            /** Format: int64 */
            admin_id?: number | null;
            /** Format: int64 */
            amount_cents: number;
            /** Format: date-time */
            created_at: string;
            out_refund_no: string;
            reason: string;
            refund_id?: string | null;
            /** @description processing, success, closed, abnormal or failed. */
            status: string;
            /** Format: date-time */
            succeeded_at?: string | null;
        };
        RejectBody: {
            /** @description Why; the applicant sees it. */
            reason: string;
        };
        ReportRequest: {
            /** @description 1-200 characters. */
            reason: string;
            /** Format: int64 */
            target_id: number;
            target_type: components["schemas"]["TargetType"];
        };
        ReportView: {
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            reason: string;
            /** Format: int64 */
            reporter_id: number;
            resolution?: string | null;
            /** Format: date-time */
            resolved_at?: string | null;
            resolved_by?: string | null;
            /** @description open or resolved. */
            status: string;
            /** Format: int64 */
            target_id: number;
            target_type: string;
        };
        RequestSummary: {
            applicant: components["schemas"]["UserSummary"];
            /** Format: date-time */
            created_at: string;
            /**
             * Format: int32
             * @description Index (from 0) of the step waiting for approval; null once finished.
             */
            current_step?: number | null;
            current_step_name?: string | null;
            /** Format: date-time */
            finished_at?: string | null;
            /** Format: int64 */
            id: number;
            /** @description pending, approved, rejected or withdrawn. */
            status: string;
            /** Format: int64 */
            template_id: number;
            template_name: string;
            title: string;
            /** Format: date-time */
            updated_at: string;
        };
        RequestView: components["schemas"]["RequestSummary"] & {
            /** @description What the caller may do now: approve, reject, transfer, withdraw, comment. */
            actions: string[];
            /** @description The values as stored (money as "1234.50"). */
            form: Record<string, unknown>;
            steps: components["schemas"]["StepView"][];
            /** @description The template as it was when the request was submitted (labels for the form). */
            template: components["schemas"]["TemplateSnapshot"];
            /** Format: int32 */
            template_version: number;
            /**
             * Format: int32
             * @description Grows with every change of the request.
             */
            version: number;
        };
        ResolveRequest: {
            resolution: string;
        };
        /**
         * @description Roles, from least to most powerful.
         * @enum {string}
         */
        Role: "user" | "moderator" | "admin";
        RoleRequest: {
            role: components["schemas"]["Role"];
        };
        RollbackRequest: {
            /**
             * Format: int32
             * @description The version to restore, from the history.
             */
            version: number;
        };
        SaleDetail: components["schemas"]["SaleView"] & {
            /** Format: date-time */
            server_time: string;
        };
        SaleInput: {
            /** @description False closes the sale at once (default true). */
            enabled?: boolean;
            /** Format: date-time */
            ends_at: string;
            /**
             * Format: int32
             * @description Units one user may hold (live orders), 1-1000.
             */
            per_user_limit: number;
            /** Format: int64 */
            product_id: number;
            /**
             * Format: int64
             * @description Sale price in cents (分).
             */
            sale_price_cents: number;
            /** @description One of the product's SKU codes, or absent for the product itself. */
            sku_code?: string | null;
            /** Format: date-time */
            starts_at: string;
            /**
             * Format: int32
             * @description Units for sale. On an update, the difference is added to (or taken from) what is left.
             */
            stock: number;
            title: string;
        };
        /** @description A page of sales with the server's clock, so clients count down against it and not their own. */
        SaleList: {
            items: components["schemas"]["SaleView"][];
            next_cursor?: string | null;
            /** Format: date-time */
            server_time: string;
        };
        /**
         * @description Where a sale stands, for a client's countdown and button.
         * @enum {string}
         */
        SalePhase: "upcoming" | "active" | "sold_out" | "ended";
        /**
         * @description What an admin (and the benchmark) checks after a sale: orders and units by status, whether
         *     the database's books balance, and whether Redis agrees with the database.
         */
        SaleStats: {
            /**
             * @description The database's books balance: `stock_total = stock_left + units_sold`, and no more sold
             *     than the stock.
             */
            books_consistent: boolean;
            /** @description `books_consistent`, and `redis_consistent` is not false. */
            consistent: boolean;
            /** @description Orders by status (created, paid, cancelled, expired). */
            orders: {
                [key: string]: number;
            };
            /**
             * @description Redis agrees with the database: `stock_left - redis_leased_units <= redis_stock <=
             *     stock_left` (Redis is short by at most the orders being written, and never over). False
             *     while stock is held by a dead node's reservations or was not given back to Redis, or
             *     while Redis overstates the stock; null when `redis_stock` is.
             */
            redis_consistent?: boolean | null;
            /**
             * Format: int64
             * @description Units of Redis reservations whose lease lapsed (their node died or stalled) and that no
             *     node has reclaimed yet: held back from buyers although the database has them.
             */
            redis_lapsed_units?: number | null;
            /**
             * Format: int64
             * @description Units of Redis reservations whose lease is live: orders being written right now.
             */
            redis_leased_units?: number | null;
            /**
             * Format: int64
             * @description Redis's stock (several nodes); null without Redis, while it is unreachable, or before the
             *     sale's keys are loaded.
             */
            redis_stock?: number | null;
            /** Format: int64 */
            sale_id: number;
            /** Format: date-time */
            server_time: string;
            /**
             * Format: int32
             * @description Units left in the database (the source of truth).
             */
            stock_left: number;
            /** Format: int32 */
            stock_total: number;
            /** @description Units by status. */
            units: {
                [key: string]: number;
            };
            /**
             * Format: int64
             * @description Units held by live orders (created + paid).
             */
            units_sold: number;
        };
        SaleView: {
            enabled: boolean;
            /** Format: date-time */
            ends_at: string;
            /** Format: int64 */
            id: number;
            /** Format: int32 */
            per_user_limit: number;
            phase: components["schemas"]["SalePhase"];
            product?: null | components["schemas"]["ProductView"];
            /** Format: int64 */
            product_id: number;
            /** Format: int64 */
            sale_price_cents: number;
            sku_code?: string | null;
            /** Format: date-time */
            starts_at: string;
            /** Format: int32 */
            stock_left: number;
            /** Format: int32 */
            stock_total: number;
            title: string;
        };
        SignInRequest: {
            password: string;
            username: string;
        };
        SignatureCheck: {
            /** @description Always true (a mismatch is a 403 with code 40304). */
            valid: boolean;
        };
        SignedPayload: {
            /** @description Login-state signature check: the signed buffer, checked with hmac_sha256(session_key). */
            buffer?: string | null;
            /** @description Legacy check of `wx.getUserInfo`: sha1(raw_data + session_key). */
            raw_data?: string | null;
            /** @description Hex signature sent by the client. */
            signature: string;
        };
        Sku: {
            /** @description Unique within the product, 1-64 characters. */
            code: string;
            /** @description E.g. "红色 / XL". */
            name?: string;
            /** Format: int64 */
            price_cents: number;
        };
        /** @description One step of the flow. */
        StepDef: {
            approvers: components["schemas"]["ApproverSpec"][];
            condition?: null | components["schemas"]["Condition"];
            mode: components["schemas"]["StepMode"];
            name: string;
        };
        /**
         * @description How the approvers of a step decide.
         * @enum {string}
         */
        StepMode: "single" | "all" | "any";
        StepView: {
            condition?: null | components["schemas"]["Condition"];
            /** Format: int32 */
            index: number;
            mode: components["schemas"]["StepMode"];
            name: string;
            /**
             * @description waiting (not reached yet), active, approved, rejected, skipped (its condition did not
             *     hold, or the applicant was its only approver), cancelled (withdrawn while active) or
             *     not_reached (the request ended before it).
             */
            status: string;
            /** @description The approvers' tasks, once the step was reached. */
            tasks: components["schemas"]["TaskView"][];
        };
        SubmitBody: {
            /** @description The values, by field key, as the template's fields define them. */
            form: Record<string, unknown>;
            /** Format: int64 */
            template_id: number;
            /** @description Shown in lists and messages; defaults to the template's name. */
            title?: string | null;
        };
        /** @enum {string} */
        TargetType: "post" | "comment";
        TaskView: {
            approver: components["schemas"]["UserSummary"];
            /** @description The approval comment or rejection reason. */
            comment?: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            decided_at?: string | null;
            /** Format: int64 */
            id: number;
            /** @description pending, approved, rejected, transferred or cancelled. */
            status: string;
            /**
             * Format: int64
             * @description For a transferred task: who took it over.
             */
            transferred_to?: number | null;
        };
        TemplateBody: {
            description?: string | null;
            /**
             * @description Disabled templates accept no new requests (requests under way go on). Default true on
             *     create; unchanged when absent on update.
             */
            enabled?: boolean | null;
            /**
             * Format: int32
             * @description Update only: the version the change was based on; another current version is a 409.
             */
            expected_version?: number | null;
            fields: components["schemas"]["FieldDef"][];
            name: string;
            steps: components["schemas"]["StepDef"][];
        };
        /** @description What a request keeps of its template: the definition as it was when it was submitted. */
        TemplateSnapshot: {
            fields: components["schemas"]["FieldDef"][];
            /** Format: int64 */
            id: number;
            name: string;
            steps: components["schemas"]["StepDef"][];
            /** Format: int32 */
            version: number;
        };
        TemplateVersionView: {
            /** Format: date-time */
            created_at: string;
            created_by: string;
            description: string;
            fields: components["schemas"]["FieldDef"][];
            name: string;
            steps: components["schemas"]["StepDef"][];
            /** Format: int32 */
            version: number;
        };
        TemplateView: {
            /** Format: date-time */
            created_at: string;
            description: string;
            enabled: boolean;
            fields: components["schemas"]["FieldDef"][];
            /** Format: int64 */
            id: number;
            name: string;
            steps: components["schemas"]["StepDef"][];
            /** Format: date-time */
            updated_at: string;
            updated_by: string;
            /**
             * Format: int32
             * @description Grows with every change; requests record the version they were submitted under.
             */
            version: number;
        };
        Ticket: {
            /**
             * Format: int64
             * @description Seconds it stays valid.
             */
            expires_in: number;
            /** @description Pass as `?ticket=` to the WebSocket or SSE endpoint; it works once. */
            ticket: string;
        };
        TimelineView: {
            /**
             * Format: int32
             * @description The first event that fails verification.
             */
            broken_at_seq?: number | null;
            /** @description Every hash recomputed and every link checked, against the head the request records. */
            chain_valid: boolean;
            events: components["schemas"]["EventView"][];
            /** @description The last event's hash: keep it as a receipt of the history so far. */
            head_hash: string;
            problem?: string | null;
            /** Format: int64 */
            request_id: number;
        };
        TokenPair: {
            /** Format: int64 */
            expires_in: number;
            refresh_token: string;
            token: string;
        };
        /** @description One minute of traffic on this node. */
        TrafficSample: {
            /**
             * Format: double
             * @description `errors / requests` (0 without requests).
             */
            error_rate: number;
            /**
             * Format: int64
             * @description Requests answered with a 5xx.
             */
            errors: number;
            /**
             * Format: double
             * @description Mean latency in milliseconds (0 without requests).
             */
            mean_latency_ms: number;
            /**
             * Format: date-time
             * @description The minute's start (RFC 3339, UTC).
             */
            minute: string;
            /** Format: int64 */
            requests: number;
        };
        TransferBody: {
            comment?: string | null;
            /**
             * Format: int64
             * @description Who takes over your task at this step.
             */
            to_user_id: number;
        };
        UnreadCount: {
            /** Format: int64 */
            unread: number;
        };
        UpdateMe: {
            /** @description An http(s) URL, at most 512 characters (for example from `wx.chooseAvatar`, uploaded). */
            avatar_url?: string | null;
            /** @description 1 to 32 characters, not blank, without control, bidirectional or zero-width characters. */
            nickname?: string | null;
        };
        /** @description The multipart form `wx.uploadFile` sends: one file part (any field name). */
        UploadForm: {
            /** Format: binary */
            file: string;
        };
        /** @description A user as others see them (authors, the login answer). */
        UserSummary: {
            avatar_url: string;
            /** Format: int64 */
            id: number;
            nickname: string;
        };
        WithdrawBody: {
            reason?: string | null;
        };
        /** @description The parameters of `wx.requestPayment`, as the mini-program API names them. */
        WxRequestPayment: {
            nonceStr: string;
            /** @description `prepay_id=...`. */
            package: string;
            paySign: string;
            /** @description `RSA`. */
            signType: string;
            /** @description Unix seconds, as a string. */
            timeStamp: string;
        };
    };
    responses: {
        /** @description The request is malformed: a path or query parameter (40000, 40002), a cursor (40003), JSON that does not parse (40001), or text with a NUL character; the message names the parameter or field. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The account is banned (40301) or lacks the role or ownership needed (40300). */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The resource named in the path does not exist or is not visible to the caller (40401). */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The body is over the configured limit (41300). */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description No token, or a malformed, invalid, expired or revoked one (40100-40104). */
        Unauthenticated: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The database or Redis is unavailable (50300), or the request took longer than the request timeout (50301); retry later. */
        Unavailable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The body is not of the declared Content-Type (41500). */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description A field is missing or breaks a rule; the message names the field (42200). */
        ValidationFailed: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    list_accounts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The accounts, oldest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_AdminAccountView"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not an admin-console account with the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    create_account: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateAccountRequest"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_AdminAccountView"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not an admin-console account with the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The username is taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description A field is invalid */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    disable_account: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Account id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Disabled */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_AdminAccountView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Not an admin-console account with the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such account */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Your own account */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    enable_account: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Account id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Enabled */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_AdminAccountView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Not an admin-console account with the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such account */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    list_departments: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The departments */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_DepartmentView"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    create_department: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DepartmentBody"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_DepartmentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Bad name, unknown parent or head */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    get_department: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The department */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_DepartmentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such department */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    update_department: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DepartmentBody"];
            };
        };
        responses: {
            /** @description The department after the change */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_DepartmentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Unknown parent or head, or a cycle */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    delete_department: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description It still has sub-departments or members (40934) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    list_members: {
        parameters: {
            query?: {
                /** @description Only this department's members. */
                department_id?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The members */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_MemberView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    get_member: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_MemberView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Not a member */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    put_member: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MemberBody"];
            };
        };
        responses: {
            /** @description The member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_MemberView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such user */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Unknown department or manager */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    delete_member: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Not a member */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_list_requests: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
                /** @description pending, approved, rejected or withdrawn. */
                status?: string;
                template_id?: number;
                applicant_id?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_RequestSummary"];
                };
            };
            /** @description Bad filter, limit or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    admin_get_request: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_RequestView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such request */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_timeline: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The events and the chain's verification */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_TimelineView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such request */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_list_templates: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The templates */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_TemplateView"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    create_template: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TemplateBody"];
            };
        };
        responses: {
            /** @description Created, at version 1 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_TemplateView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description The template is not valid; the message names the problem */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_get_template: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The template */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_TemplateView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such template */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    update_template: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TemplateBody"];
            };
        };
        responses: {
            /** @description The template at its new version */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_TemplateView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description Changed by someone else (expected_version) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description The template is not valid */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    disable_template: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The disabled template */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_TemplateView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such template */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    template_versions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The versions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_TemplateVersionView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such template */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    audit_log: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Only this admin-console account's actions. */
                admin_id: number | null;
                limit: number | null;
                cursor: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of entries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_AuditEntry"];
                };
            };
            /** @description Bad cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AdminLoginRequest"];
            };
        };
        responses: {
            /** @description Logged in */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_AdminLoginResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Wrong username or password (40105) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            /** @description Too many attempts */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    list_collections: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description All collections, by name */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_CollectionView"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    create_collection: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CollectionSpec"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_CollectionView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description A collection of that name exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description An invalid name, field, index or rule (42220 for rules, with the column) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    get_collection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The collection */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_CollectionView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    update_collection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                /** @description Go ahead with a change that deletes data (a dropped or retyped field). */
                confirm_data_loss: boolean;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CollectionSpec"];
            };
        };
        responses: {
            /** @description The collection after the change */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_CollectionView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Data would be lost (40940, confirm it), or existing records do not fit (40900) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description An invalid field, index or rule */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    delete_collection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                /** @description Must be true: deleting a collection deletes its records. */
                confirm: boolean;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not confirmed (40940), or another collection relates to it (40900) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_list_records: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                /**
                 * @description An expression over the fields, e.g. `done == false && title ~ "milk"`
                 *     (docs/collections.md).
                 */
                filter: string | null;
                /** @description CloudBase-style JSON conditions, e.g. `{"price":{"$gt":3},"tag":{"$in":["a","b"]}}`. */
                where: string | null;
                /**
                 * @description Fields to sort by, `-` for descending, e.g. `-price,title` (required fields only;
                 *     default `-id`).
                 */
                sort: string | null;
                /** @description Page size, 1..100 (default 20). */
                limit: number | null;
                /** @description `next_cursor` of the previous page (with the same sort). */
                cursor: string | null;
                /** @description Comma-separated fields to return (id and timestamps always come). */
                fields: string | null;
                /** @description Comma-separated relation fields whose records to include under `expand`. */
                expand: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of records */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_Record"];
                };
            };
            /** @description A filter, sort, fields or expand that is not valid (40040), a filter on an unindexed field of a large collection (40041), a bad cursor (40003) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_create_record: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        /** @description Field values by name */
        requestBody: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Record"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection, or a relation names a missing record */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description A unique field's value is taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description A value is missing or of the wrong type; the message names the field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_delete_record: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection or record */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_update_record: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                id: number;
            };
            cookie?: never;
        };
        /** @description Field values by name */
        requestBody: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description The record after the change */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Record"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection or record */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description A unique field's value is taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description A value of the wrong type; the message names the field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    list_config: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description All keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_EntryView"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    get_config: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_EntryView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Unknown key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    put_config: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PutEntry"];
            };
        };
        responses: {
            /** @description The key after the change */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_EntryView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description Changed by someone else (expected_version) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Invalid key name, schema, or a value that breaks the schema */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    delete_config: {
        parameters: {
            query?: {
                /** @description Delete only if the entry is still at this version (else 409). */
                expected_version?: number;
            };
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Unknown key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Changed by someone else (expected_version) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    config_history: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The changes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_HistoryView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Never existed */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    rollback_config: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RollbackRequest"];
            };
        };
        responses: {
            /** @description The key after the rollback */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_EntryView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such version */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    current_session: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The signed-in account */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_ConsoleSession"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not an admin-console account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    sign_in: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SignInRequest"];
            };
        };
        responses: {
            /** @description Signed in; Set-Cookie carries the session */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_ConsoleSession"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Wrong username or password (40105) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The account is disabled (40301) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The console is turned off (40400) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            /** @description Too many attempts */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    sign_out: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Missing or wrong X-CSRF-Token (40305) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    dashboard: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The dashboard */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Dashboard"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the moderator role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_list_files: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Only this user's uploads. */
                owner_id: number | null;
                limit: number | null;
                cursor: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of files */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_AdminFileView"];
                };
            };
            /** @description Bad cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the moderator role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_delete_file: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description File id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the moderator role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such file */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The file storage refused */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    list_flags: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description All flags */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_EntryView"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    get_flag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The flag */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_EntryView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Unknown flag */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    put_flag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PutEntry"];
            };
        };
        responses: {
            /** @description The flag after the change */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_EntryView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description Changed by someone else (expected_version) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Not a valid flag rule; the message names the field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    delete_flag: {
        parameters: {
            query?: {
                /** @description Delete only if the entry is still at this version (else 409). */
                expected_version?: number;
            };
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Unknown flag */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Changed by someone else (expected_version) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    flag_history: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The changes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_HistoryView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    rollback_flag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RollbackRequest"];
            };
        };
        responses: {
            /** @description The flag after the rollback */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_EntryView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    admin_mark_paid: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Order id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The paid order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_OrderView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such order */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not unpaid (40912) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_order_payment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Order id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The payment */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_PaymentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description The order has no payment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_refund_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Order id */
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RefundInput"];
            };
        };
        responses: {
            /** @description The refund */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_RefundView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such order, or it has no payment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not paid (40912); more than is left (40960) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Bad amount or reason */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description WeChat Pay refused (50211); unreachable answers 200 `processing` and retries */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_list_sales: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of sales */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_SaleList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    admin_create_sale: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SaleInput"];
            };
        };
        responses: {
            /** @description The sale */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_SaleView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description A field is invalid */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_get_sale: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Sale id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sale */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_SaleView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such sale */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_update_sale: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Sale id */
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SaleInput"];
            };
        };
        responses: {
            /** @description The sale */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_SaleView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such sale */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Stock below what is sold */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    admin_delete_sale: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Sale id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such sale */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description It has orders */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_sale_orders: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description Sale id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of orders */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_AdminOrderView"];
                };
            };
            /** @description Bad cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    admin_reconcile_sale: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Sale id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Rebuilt; the counts after */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_SaleStats"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such sale */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Redis is unreachable, or an order's transaction still holds a reservation: retry (50300) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    admin_sale_stats: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Sale id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The counts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_SaleStats"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such sale */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    list_jobs: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description `failed` (default) or `pending`. */
                status: null | ("failed" | "pending");
                limit: number | null;
                cursor: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_JobView"];
                };
            };
            /** @description Bad cursor or status */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    discard_job: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Job id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Discarded */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No failed or pending job with this id */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    retry_job: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Job id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued again */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No failed or pending job with this id */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    change_password: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChangePasswordRequest"];
            };
        };
        responses: {
            /** @description Changed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_ConsoleSession"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not an admin-console account, or a bad X-CSRF-Token */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Wrong current password or too short a new one */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    moderation_audit: {
        parameters: {
            query?: {
                target_type?: components["schemas"]["TargetType"];
                target_id?: number;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of decisions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_ActionView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    moderation_comments: {
        parameters: {
            query?: {
                /** @description Which status to list (default pending; for reports, open). */
                status?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of comments */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_CommentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    decide_comment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DecisionRequest"];
            };
        };
        responses: {
            /** @description Decided */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    moderation_posts: {
        parameters: {
            query?: {
                /** @description Which status to list (default pending; for reports, open). */
                status?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of posts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_PostView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the moderator role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    decide_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DecisionRequest"];
            };
        };
        responses: {
            /** @description Decided */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description Nothing to decide in the post's state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    moderation_reports: {
        parameters: {
            query?: {
                /** @description Which status to list (default pending; for reports, open). */
                status?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of reports */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_ReportView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    resolve_report: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ResolveRequest"];
            };
        };
        responses: {
            /** @description Resolved */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_ReportView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description Already resolved */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    admin_list_products: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of products */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_ProductView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_create_product: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProductInput"];
            };
        };
        responses: {
            /** @description The product */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_ProductView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description A field is invalid */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_get_product: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Product id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The product */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_ProductView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such product */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_update_product: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Product id */
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProductInput"];
            };
        };
        responses: {
            /** @description The product */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_ProductView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such product */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description A field is invalid */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_delete_product: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Product id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such product */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Sales use it */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_list_users: {
        parameters: {
            query?: {
                /** @description Nickname substring, whole phone number, exact openid, or id. */
                q?: string;
                /** @description Only banned (true) or only active (false) users. */
                banned?: boolean;
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of users */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_AdminUserView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the moderator role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_get_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_AdminUserView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such user */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_ban_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["ReasonRequest"];
            };
        };
        responses: {
            /** @description Banned */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_AdminUserView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs a higher role than the target's */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such user */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    admin_revoke_sessions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description All sessions ended */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such user */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    admin_set_role: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id */
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RoleRequest"];
            };
        };
        responses: {
            /** @description The user with the new role */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_AdminUserView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Needs the admin role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    admin_unban_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["ReasonRequest"];
            };
        };
        responses: {
            /** @description Unbanned */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_AdminUserView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such user */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    my_requests: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
                /** @description pending, approved, rejected or withdrawn. */
                status?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_RequestSummary"];
                };
            };
            /** @description Bad status, limit or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    submit: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SubmitBody"];
            };
        };
        responses: {
            /** @description Submitted; waiting on its first step (or approved at once when no step applies) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_RequestView"];
                };
            };
            /** @description A step has no approver (40030) or the template is disabled (40031) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such template */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description The form is not valid; the message names the field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    get_request: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_RequestView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such request, or not yours to see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    approve: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApproveBody"];
            };
        };
        responses: {
            /** @description The request after the approval */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_RequestView"];
                };
            };
            /** @description The next step has no approver (40030); nothing changed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such request, or not yours to see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not pending (40930), already decided (40931), not your turn (40932), step completed by another approver (40933) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    comment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CommentBody"];
            };
        };
        responses: {
            /** @description The timeline with the comment */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_TimelineView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such request, or not yours to see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Empty or too long */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    reject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RejectBody"];
            };
        };
        responses: {
            /** @description The rejected request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_RequestView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such request, or not yours to see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not pending, already decided, not your turn or step completed */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description No reason */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    timeline: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The events and the chain's verification */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_TimelineView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such request, or not yours to see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    transfer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TransferBody"];
            };
        };
        responses: {
            /** @description The request after the transfer */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_RequestView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such request, or not yours to see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not pending, already decided, not your turn or step completed */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Unknown user, yourself, the applicant, or already an approver of the step */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    withdraw: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WithdrawBody"];
            };
        };
        responses: {
            /** @description The withdrawn request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_RequestView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Not your request (you are one of its approvers) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such request, or not yours to see */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No longer pending (40930) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    my_tasks: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
                /** @description `pending` (default): waiting for you; `done`: the ones you decided. */
                status?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_MyTaskView"];
                };
            };
            /** @description Bad status, limit or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    list_templates: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Enabled templates */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_TemplateView"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    get_template: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The template */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_TemplateView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such enabled template */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            /** @description Logged in */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_LoginResult"];
                };
            };
            /** @description Invalid (40010) or used (40011) code */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Banned (40301) or high-risk user (40302) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Missing code */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Too many logins */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description WeChat busy (50200) or over quota (50201) */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Logged out */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            /** @description No valid token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    refresh: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RefreshRequest"];
            };
        };
        responses: {
            /** @description A new pair */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_TokenPair"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Unknown/expired (40106) or reused (40107) refresh token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    list_records: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                /**
                 * @description An expression over the fields, e.g. `done == false && title ~ "milk"`
                 *     (docs/collections.md).
                 */
                filter: string | null;
                /** @description CloudBase-style JSON conditions, e.g. `{"price":{"$gt":3},"tag":{"$in":["a","b"]}}`. */
                where: string | null;
                /**
                 * @description Fields to sort by, `-` for descending, e.g. `-price,title` (required fields only;
                 *     default `-id`).
                 */
                sort: string | null;
                /** @description Page size, 1..100 (default 20). */
                limit: number | null;
                /** @description `next_cursor` of the previous page (with the same sort). */
                cursor: string | null;
                /** @description Comma-separated fields to return (id and timestamps always come). */
                fields: string | null;
                /** @description Comma-separated relation fields whose records to include under `expand`. */
                expand: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of records */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_Record"];
                };
            };
            /** @description A filter, sort, fields or expand that is not valid (40040), a filter on an unindexed field of a large collection (40041), a bad cursor (40003) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The list rule allows nobody but admins */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    create_record: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        /** @description Field values by name */
        requestBody: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Record"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description The create rule does not allow it */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description A unique field's value is taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description A value is missing or of the wrong type; the message names the field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    batch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchBody"];
            };
        };
        responses: {
            /** @description Each operation's result, in order: the record, or {id, deleted: true} */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, unknown>;
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description A rule refused an operation */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such collection or record */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description An invalid operation; the message names it */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    get_record: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                id: number;
                /** @description Comma-separated fields to return. */
                fields: string | null;
                /** @description Comma-separated relation fields to expand. */
                expand: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The record */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Record"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description The view rule allows nobody but admins */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such record, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    delete_record: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description The delete rule does not allow it */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such record, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    update_record: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                id: number;
            };
            cookie?: never;
        };
        /** @description Field values by name */
        requestBody: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description The record after the change */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Record"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description The update rule does not allow it */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such record, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description A unique field's value is taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description A value of the wrong type; the message names the field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    delete_comment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Someone else's comment */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    like_comment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Liked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_LikeState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    unlike_comment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Not liked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_LikeState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    list_replies: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of replies */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_CommentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    public_config: {
        parameters: {
            query?: never;
            header?: {
                /** @description ETag of the copy the client holds */
                "If-None-Match"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Public values by key, plus `_version` and, with a token, `_flags` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_JsonObject"];
                };
            };
            /** @description Unchanged since the ETag sent */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            /** @description A token was sent but is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    following_feed: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of posts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_PostView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    upload: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["UploadForm"];
            };
        };
        responses: {
            /** @description Stored */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_FileView"];
                };
            };
            /** @description A malformed multipart form, or no file in it */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Larger than files_max_bytes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not a multipart/form-data body, or not an image of an accepted type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Unreadable image or too many pixels */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    my_orders: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of orders */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_OrderView"];
                };
            };
            /** @description Bad limit or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    my_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Order id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_OrderView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such order of the caller's */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    cancel_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Order id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cancelled order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_OrderView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such order of the caller's */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Not cancellable: paid, expired or cancelled (40912) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    pay_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Order id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Parameters for wx.requestPayment */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_PayParams"];
                };
            };
            /** @description Bad id (40000); the account has no openid */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No or bad token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            403: components["responses"]["Forbidden"];
            /** @description No such order of the caller's */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Paid, cancelled or expired (40912) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description WeChat Pay unreachable or 5xx (50210, retry), or it refused (50211) */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Payments are not configured (50310) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    list_sales: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of sales and `server_time` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_SaleList"];
                };
            };
            /** @description Bad limit or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    get_sale: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Sale id */
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sale */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_SaleDetail"];
                };
            };
            /** @description The id is not a number */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such (enabled) sale */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    place_order: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes retries return the first order */
                "Idempotency-Key"?: string | null;
            };
            path: {
                /** @description Sale id */
                id: number;
            };
            cookie?: never;
        };
        /** @description Optional */
        requestBody: {
            content: {
                "application/json": components["schemas"]["OrderInput"];
            };
        };
        responses: {
            /** @description A retry: the order the same Idempotency-Key made */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_OrderView"];
                };
            };
            /** @description The order (created; pay before `expires_at`) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_OrderView"];
                };
            };
            /** @description Not started (40020), ended (40021), bad id (40000) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No or bad token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            403: components["responses"]["Forbidden"];
            /** @description No such sale */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Sold out (40910), over the per-user limit (40911), key reused for another order (40913) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Bad quantity or Idempotency-Key */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Rate limited (per user and per IP) */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Retry (50300): the sale's stock is being reloaded, or the order took longer than its reservation's lease and was not placed */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    list: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Only unread ones. */
                unread?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_NotificationView"];
                };
            };
            /** @description Bad limit or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    mark_read: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MarkRead"];
            };
        };
        responses: {
            /** @description How many were marked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_MarkedRead"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    list_subscriptions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Acceptances left */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_Quota"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    accept_subscriptions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Accepted"];
            };
        };
        responses: {
            /** @description Acceptances left, by template */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Vec_Quota"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description No or bad template ids */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    unread_count: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The count */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_UnreadCount"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    pay_notify: {
        parameters: {
            query?: never;
            header: {
                /** @description Which WeChat Pay key signed */
                "Wechatpay-Serial": string;
                /** @description Unix seconds */
                "Wechatpay-Timestamp": string;
                /** @description Random */
                "Wechatpay-Nonce": string;
                /** @description Base64 RSA-SHA256 of timestamp, nonce and body */
                "Wechatpay-Signature": string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description The notification as WeChat Pay sends it */
        requestBody: {
            content: {
                "application/json": string;
            };
        };
        responses: {
            /** @description Taken (processed now or before, or recorded as a mismatch or unknown order) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            /** @description Not verified: signature, key serial, timestamp or decryption */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotifyFailure"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            /** @description Not processed now (e.g. database down); WeChat Pay sends it again */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotifyFailure"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    refund_notify: {
        parameters: {
            query?: never;
            header: {
                /** @description Which WeChat Pay key signed */
                "Wechatpay-Serial": string;
                /** @description Unix seconds */
                "Wechatpay-Timestamp": string;
                /** @description Random */
                "Wechatpay-Nonce": string;
                /** @description Base64 RSA-SHA256 of timestamp, nonce and body */
                "Wechatpay-Signature": string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description The notification as WeChat Pay sends it */
        requestBody: {
            content: {
                "application/json": string;
            };
        };
        responses: {
            /** @description Taken */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            /** @description Not verified */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotifyFailure"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            /** @description Not processed now; WeChat Pay sends it again */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotifyFailure"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    list_posts: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
                /**
                 * @description Only posts with this topic: 1-20 letters or digits of any script, '_' or '-' (a leading
                 *     '#' and surrounding spaces are dropped), as posts are tagged; anything else is a 400
                 *     (40002). No pattern is given: a JSON Schema `\w` is ASCII-only, and topics are often
                 *     Chinese.
                 */
                topic?: string;
                /** @description Only posts by this user. */
                author_id?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of posts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_PostView"];
                };
            };
            /** @description Bad limit or topic (40002) or cursor (40003) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    create_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreatePost"];
            };
        };
        responses: {
            /** @description The post */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_PostView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description The same text again (40950) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Empty or long text, too many or foreign images, bad topics, or rejected content */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Posting too fast */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    hot_posts: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of posts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_PostView"];
                };
            };
            400: components["responses"]["BadRequest"];
            503: components["responses"]["Unavailable"];
        };
    };
    get_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The post */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_PostView"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description No such post, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    delete_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Option_String"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Someone else's post */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such post */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    edit_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EditPost"];
            };
        };
        responses: {
            /** @description The post */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_PostView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description Someone else's post */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such post */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Blocked posts cannot be edited (40951) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    list_comments: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of comments */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_CommentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    create_comment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateComment"];
            };
        };
        responses: {
            /** @description The comment */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_CommentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such post */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The same text again (40950) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Bad text, parent or rejected content */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Commenting too fast */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    like_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Liked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_LikeState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such post */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    unlike_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Not liked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_LikeState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such post */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    events: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Channels, comma-separated: `user:<id>,post:<id>,flash-sale:<id>,config,admin`. */
                channels: string;
                /** @description A ticket from `POST /api/v1/realtime/tickets`, when no `Authorization` header is sent. */
                ticket: string | null;
                /** @description Resume after this event id (the `Last-Event-ID` header does the same and wins). */
                last_event_id: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream of frames */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Bad channels or last event id */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No token or ticket, or a bad one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description A channel the caller may not read */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Too many connections */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    create_ticket: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A ticket */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Ticket"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    websocket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A ticket from `POST /api/v1/realtime/tickets`, when no `Authorization` header is sent. */
                ticket: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Switched to the WebSocket protocol; frames as described */
            101: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not a WebSocket upgrade request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No token or ticket, or a bad one (nothing is upgraded) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            403: components["responses"]["Forbidden"];
            /** @description Too many connections (yours, or this node's) */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The node is shutting down */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    report: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReportRequest"];
            };
        };
        responses: {
            /** @description The report */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_ReportView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such post or comment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    get_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The profile */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Me"];
                };
            };
            /** @description Missing (40100), malformed (40101), invalid (40102), expired (40103) or revoked (40104) token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Banned (40301) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    update_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateMe"];
            };
        };
        responses: {
            /** @description The updated profile */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Me"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description A field is invalid; the message names it */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    request_account_deletion: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Scheduled */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_DeletionScheduled"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    export_my_data: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller's data */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_DataExport"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            403: components["responses"]["Forbidden"];
            503: components["responses"]["Unavailable"];
        };
    };
    decrypt_open_data: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EncryptedData"];
            };
        };
        responses: {
            /** @description The decrypted JSON */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_JsonObject"];
                };
            };
            /** @description Cannot be decrypted with this session */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            /** @description Watermark of another AppID (40303) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    bind_phone: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PhoneRequest"];
            };
        };
        responses: {
            /** @description The number, now on the profile */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_PhoneView"];
                };
            };
            /** @description Invalid code (40010) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    verify_signature: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SignedPayload"];
            };
        };
        responses: {
            /** @description The signature matches */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_SignatureCheck"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            /** @description It does not (40304) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    profile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The profile */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Profile"];
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description No such user */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    follow: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Following */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_FollowState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description No such user */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Following oneself */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    unfollow: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Not following */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_FollowState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description Unfollowing oneself */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    followers: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of users */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_UserSummary"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    following: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of users */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_UserSummary"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    user_posts: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 (default 20). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of posts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Page_PostView"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    wechat_verify: {
        parameters: {
            query: {
                signature: string;
                timestamp: string;
                nonce: string;
                /** @description Only when WeChat verifies the URL. */
                echostr?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description echostr */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": unknown;
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Bad signature */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    wechat_event: {
        parameters: {
            query: {
                signature: string;
                timestamp: string;
                nonce: string;
                /** @description Only when WeChat verifies the URL. */
                echostr?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description WeChat's push event, JSON mode */
        requestBody: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": unknown;
                };
            };
            400: components["responses"]["BadRequest"];
            /** @description Bad signature */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ValidationFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    download: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Storage key, as in the file's url */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The bytes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": unknown;
                };
            };
            /** @description Unchanged (If-None-Match) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            /** @description No such file */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Alive"];
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": unknown;
                };
            };
        };
    };
    ping: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process answers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Pong"];
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every dependency answers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Envelope_Readiness"];
                };
            };
            /** @description A dependency is down; the message names it */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
}
