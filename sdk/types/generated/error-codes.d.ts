/** Every error code the server answers with, by name (docs/error-codes.md). */
export declare const ErrorCodes: {
    /** The request is not acceptable as sent. */
    readonly BadRequest: 40000;
    /** The body is not well-formed JSON. */
    readonly MalformedJson: 40001;
    /** A query-string parameter is missing or malformed; the message names it. */
    readonly InvalidQuery: 40002;
    /** The pagination cursor is unknown or forged. */
    readonly InvalidCursor: 40003;
    /** WeChat rejected the wx.login code (errcode 40029). */
    readonly InvalidWechatCode: 40010;
    /** The wx.login code was already used (errcode 40163). */
    readonly WechatCodeUsed: 40011;
    /** The flash sale has not started yet; wait for its start time. */
    readonly SaleNotStarted: 40020;
    /** The flash sale has ended or was closed. */
    readonly SaleEnded: 40021;
    /** An approval step has nobody to approve it (no manager, no department head, nobody with the role); the message names the step. */
    readonly ApproverUnresolved: 40030;
    /** The approval template is disabled; no new request can be submitted with it. */
    readonly TemplateDisabled: 40031;
    /** A collection query (filter, where, sort, fields or expand) does not parse, names an unknown field, compares values of different types or is too complex; the message says where. */
    readonly InvalidFilter: 40040;
    /** The query filters or sorts on a field that is not indexed, in a collection larger than its scan limit; add an index on the field the message names. */
    readonly UnindexedFilter: 40041;
    /** No bearer token was sent. */
    readonly Unauthenticated: 40100;
    /** The bearer token is not a well-formed JWT. */
    readonly TokenMalformed: 40101;
    /** The token's signature, algorithm or claims are not valid. */
    readonly TokenInvalid: 40102;
    /** The access token has expired; refresh it. */
    readonly TokenExpired: 40103;
    /** The token was revoked (logout, ban, an admin ended all sessions, or the account was deleted). */
    readonly TokenRevoked: 40104;
    /** Wrong username or password. */
    readonly InvalidCredentials: 40105;
    /** The refresh token is unknown, expired or revoked, or was not issued for the session it names. */
    readonly RefreshTokenInvalid: 40106;
    /** A spent refresh token was presented again (after the short grace for parallel refreshes); its whole session is revoked. */
    readonly RefreshTokenReused: 40107;
    /** The realtime ticket is unknown, expired or already used; get a new one. */
    readonly TicketInvalid: 40108;
    /** The caller lacks the role or ownership needed. */
    readonly Forbidden: 40300;
    /** The account is banned. */
    readonly UserBanned: 40301;
    /** WeChat flagged the user as high risk (errcode 40226). */
    readonly WechatRiskyUser: 40302;
    /** Decrypted open data belongs to another AppID. */
    readonly WatermarkMismatch: 40303;
    /** The login-state or raw-data signature does not match. */
    readonly SignatureMismatch: 40304;
    /** A state-changing request signed in by the console's cookie lacks the X-CSRF-Token header, or it does not match the session. */
    readonly CsrfRejected: 40305;
    /** No route matches the path. */
    readonly RouteNotFound: 40400;
    /** The resource does not exist (or is not visible to the caller). */
    readonly NotFound: 40401;
    /** The path exists but not with this HTTP method. */
    readonly MethodNotAllowed: 40500;
    /** The request conflicts with the current state. */
    readonly Conflict: 40900;
    /** The flash sale is sold out. */
    readonly SoldOut: 40910;
    /** The caller already bought as many as the sale's per-user limit allows. */
    readonly OverLimit: 40911;
    /** The order is not in a state that allows this (e.g. cancelling a paid order). */
    readonly OrderStateConflict: 40912;
    /** The Idempotency-Key was already used for a different request. */
    readonly IdempotencyConflict: 40913;
    /** The approval request is no longer pending (approved, rejected or withdrawn). */
    readonly RequestNotPending: 40930;
    /** You already acted on this approval request (approved, rejected or transferred your task). */
    readonly AlreadyDecided: 40931;
    /** The approval request is not waiting for you: you have no pending task at its current step. */
    readonly NotYourTurn: 40932;
    /** Another approver completed this approval step first; your task was cancelled. */
    readonly StepCompleted: 40933;
    /** The department still has sub-departments or members; move them first. */
    readonly DepartmentNotEmpty: 40934;
    /** The change would delete data (a dropped or retyped field, a deleted collection); the message says what, and the request must confirm it. */
    readonly DestructiveChange: 40940;
    /** The same text was posted again within the duplicate window. */
    readonly DuplicateContent: 40950;
    /** The content can no longer be changed (removed, blocked or deleted). */
    readonly NotEditable: 40951;
    /** The refund is larger than what is left of the payment (refunds so far included). */
    readonly RefundExceedsPaid: 40960;
    /** The body exceeds the configured size limit. */
    readonly PayloadTooLarge: 41300;
    /** The Content-Type is not the one the endpoint takes (usually application/json). */
    readonly UnsupportedMediaType: 41500;
    /** A field is missing or invalid; the message names the field. */
    readonly ValidationFailed: 42200;
    /** WeChat's content check found the text risky; it was not published. */
    readonly ContentRejected: 42210;
    /** An access rule does not parse or names an unknown field; the message names the rule and the column of the error. */
    readonly InvalidRule: 42220;
    /** Too many requests; retry after the Retry-After header's seconds. */
    readonly RateLimited: 42900;
    /** Too many realtime connections: the caller's own limit, or the node's. */
    readonly TooManyConnections: 42910;
    /** An unexpected server error; the log holds the detail under the request id. */
    readonly Internal: 50000;
    /** WeChat could not be reached or answered 'system busy' after retries. */
    readonly WechatUnavailable: 50200;
    /** WeChat's API quota was reached (errcode 45011 and kin). */
    readonly WechatRateLimited: 50201;
    /** WeChat answered an error not covered by a more specific code. */
    readonly WechatError: 50202;
    /** WeChat Pay is unreachable or answered 5xx; retry the same request. */
    readonly PaymentUnavailable: 50210;
    /** WeChat Pay refused the request; the message names its code. */
    readonly PaymentRejected: 50211;
    /** A dependency (database, Redis) is unavailable. */
    readonly Unavailable: 50300;
    /** The request took longer than the configured request timeout. */
    readonly Timeout: 50301;
    /** WeChat Pay is not configured on this server. */
    readonly PaymentsDisabled: 50310;
};
/** A code the server answers with. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
