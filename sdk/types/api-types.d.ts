import type { paths } from './generated/api';
/** The HTTP methods the API uses. */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Every path of the API that answers `M`. */
export type PathsFor<M extends Method> = {
    [P in keyof paths]: paths[P] extends {
        [K in M]: object;
    } ? P : never;
}[keyof paths];
type Operation<P extends keyof paths, M extends Method> = paths[P] extends {
    [K in M]: infer O;
} ? O : never;
type Responses<O> = O extends {
    responses: infer R;
} ? R : never;
type JsonOf<R> = R extends {
    content: {
        'application/json': infer B;
    };
} ? B : never;
type SuccessStatus = 200 | 201 | 202;
/** The envelope's `data` of the operation's success answer(s). */
export type ResponseData<P extends keyof paths, M extends Method> = JsonOf<Responses<Operation<P, M>>[Extract<keyof Responses<Operation<P, M>>, SuccessStatus>]> extends {
    data: infer D;
} ? D : never;
/** The JSON body the operation takes (`never` when it takes none). */
export type RequestBody<P extends keyof paths, M extends Method> = Operation<P, M> extends {
    requestBody?: infer B;
} ? JsonOf<NonNullable<B>> : never;
type Parameters<P extends keyof paths, M extends Method> = Operation<P, M> extends {
    parameters: infer Q;
} ? Q : never;
/** The names in a path template: `/a/{id}/b/{key}` -> `'id' | 'key'`. */
export type PathNames<P> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | PathNames<Rest> : never;
type SpecQuery<P extends keyof paths, M extends Method> = Parameters<P, M> extends {
    query?: infer Q;
} ? Q : never;
type SpecPath<P extends keyof paths, M extends Method> = Parameters<P, M> extends {
    path?: infer Q;
} ? Q : never;
type Misplaced<P extends keyof paths, M extends Method> = Partial<Omit<OrUnknown<SpecPath<P, M>>, PathNames<P>>>;
/** `T` without null and undefined; `unknown` (no constraint) when nothing is left. */
type OrUnknown<T> = [NonNullable<T>] extends [never] ? unknown : NonNullable<T>;
type Simplify<T> = {
    [K in keyof T]: T[K];
};
/** The query-string parameters of the operation. */
export type QueryParams<P extends keyof paths, M extends Method> = Simplify<OrUnknown<SpecQuery<P, M>> & Misplaced<P, M>>;
/** The path parameters of the operation (`{id}` and the like). */
export type PathParams<P extends keyof paths, M extends Method> = [PathNames<P>] extends [never] ? never : Pick<NonNullable<SpecPath<P, M>>, Extract<PathNames<P>, keyof NonNullable<SpecPath<P, M>>>>;
/** A keyset page: `items` and the cursor of the next page (null at the end). */
export interface Page<T> {
    items: T[];
    next_cursor?: string | null;
}
/** `limit` (1-100, default 20) and `cursor` (the previous page's `next_cursor`). */
export interface PageQuery {
    limit?: number;
    /** `next_cursor` of the previous page; absent for the first. */
    cursor?: string;
}
export type { components, operations, paths } from './generated/api';
