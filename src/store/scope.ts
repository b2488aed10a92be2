/**
 * @module store/scope
 * The tenant wall. Every repository method takes one of these first.
 */
export interface OrgScope {
  readonly orgId: string;
}

export interface TenantScope extends OrgScope {
  readonly namespaceId: string;
}
