/**
 * Every path and schema of the API, generated from the server's OpenAPI document (left out of
 * the reference: see the server's /docs).
 * @hidden
 */
export type { components, Method, operations, Page, PageQuery, PathParams, PathsFor, paths, QueryParams, RequestBody, ResponseData, } from './api-types';
export { createClient, MinibaseClient } from './client';
export { type Auth, type CallArgs, type CallInit, Core, type RawRequest, type RequestOptions, } from './core';
export { ApiError, type ClientErrorCode, ClientErrorCodes, isMinibaseError, MinibaseError, NetworkError, WxApiError, } from './errors';
export type { ApprovalRequest, RequestSummary, RequestsQuery, Submission, Task, TasksQuery, Template, Timeline, } from './features/approvals';
export { Approvals } from './features/approvals';
export type { Comment, FeedQuery, FollowState, LikeState, NewPost, Post, PostChanges, Report, ReportInput, UserProfile, UserSummary, } from './features/community';
export { Community } from './features/community';
export { type PublicConfig, RemoteConfig } from './features/config';
export { type BatchOperation, CollectionReference, command, Database, type DbRecord, type DbValue, DocumentReference, encodeWhere, LogicCommand, Query, QueryCommand, type QueryResult, type RecordChange, type Watcher, type WatchOptions, type WhereCondition, } from './features/database';
export { Files, type UploadedFile } from './features/files';
export { type Countdown, FlashSale, newIdempotencyKey, type Order, type PaymentResult, type PayOptions, type PayParams, type Sale, type SaleDetail, type SaleList, } from './features/flash-sale';
export { type Notification, Notifications, type NotificationsQuery, type SubscribeResult, type SubscriptionQuota, } from './features/notifications';
export { compareEventIds, Realtime, type RealtimeEvent, type RealtimeOptions, type RealtimeRefusal, type RealtimeState, type SubscribeOptions, } from './features/realtime';
export { type EncryptedData, type Me, type PhoneNumber, type PhoneNumberEvent, type ProfileChanges, type SignatureCheck, type SignedPayload, Users, } from './features/users';
export { type ErrorCode, ErrorCodes } from './generated/error-codes';
export type { HttpMethod, RawResponse } from './http';
export type { ClientOptions, Logger, RetryOptions } from './options';
export { Pager } from './pager';
export { Session, type SessionEvent, type SessionUser } from './session';
export { Storage } from './storage';
export { callWx, type WxCallbacks, type WxLike } from './wx';
