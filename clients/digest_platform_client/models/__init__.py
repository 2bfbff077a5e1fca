""" Contains all the data models used in inputs/outputs """

from .access import Access
from .access_request import AccessRequest
from .action_enum import ActionEnum
from .actor_field import ActorField
from .api_key import ApiKey
from .api_key_create_request import ApiKeyCreateRequest
from .api_key_created import ApiKeyCreated
from .audit_event import AuditEvent
from .audit_event_changes import AuditEventChanges
from .change import Change
from .delivery import Delivery
from .delivery_status_enum import DeliveryStatusEnum
from .digest import Digest
from .digest_changes import DigestChanges
from .digest_detail import DigestDetail
from .digest_import_files_request import DigestImportFilesRequest
from .digest_import_report import DigestImportReport
from .digest_source import DigestSource
from .digest_status_enum import DigestStatusEnum
from .digest_write_request import DigestWriteRequest
from .events_enum import EventsEnum
from .finding import Finding
from .import_outcome_enum import ImportOutcomeEnum
from .import_result import ImportResult
from .me import Me
from .me_membership import MeMembership
from .me_role import MeRole
from .me_tenant import MeTenant
from .member import Member
from .member_invite_request import MemberInviteRequest
from .outcome_enum import OutcomeEnum
from .paginated_api_key_list import PaginatedApiKeyList
from .paginated_audit_event_list import PaginatedAuditEventList
from .paginated_delivery_list import PaginatedDeliveryList
from .paginated_digest_list import PaginatedDigestList
from .paginated_member_list import PaginatedMemberList
from .paginated_policy_list import PaginatedPolicyList
from .paginated_role_list import PaginatedRoleList
from .paginated_webhook_list import PaginatedWebhookList
from .patched_digest_write_request import PatchedDigestWriteRequest
from .patched_member_update_request import PatchedMemberUpdateRequest
from .patched_policy_update_request import PatchedPolicyUpdateRequest
from .patched_role_update_request import PatchedRoleUpdateRequest
from .patched_webhook_write_request import PatchedWebhookWriteRequest
from .permission_entry import PermissionEntry
from .policy import Policy
from .policy_create_request import PolicyCreateRequest
from .policy_decision import PolicyDecision
from .problem import Problem
from .problem_errors_item import ProblemErrorsItem
from .publish_request import PublishRequest
from .request_field import RequestField
from .role import Role
from .role_write_request import RoleWriteRequest
from .rollback_request import RollbackRequest
from .section import Section
from .section_request import SectionRequest
from .simulate_request import SimulateRequest
from .simulation import Simulation
from .simulation_after import SimulationAfter
from .simulation_before import SimulationBefore
from .simulation_changes_item import SimulationChangesItem
from .source_request import SourceRequest
from .subsection import Subsection
from .subsection_request import SubsectionRequest
from .target_field import TargetField
from .tenants_audit_events_export_retrieve_export_format import TenantsAuditEventsExportRetrieveExportFormat
from .tenants_audit_events_list_outcome import TenantsAuditEventsListOutcome
from .tenants_digests_export_export_format import TenantsDigestsExportExportFormat
from .tenants_digests_export_one_export_format import TenantsDigestsExportOneExportFormat
from .tenants_digests_list_ordering import TenantsDigestsListOrdering
from .tenants_digests_list_status import TenantsDigestsListStatus
from .tenants_webhook_deliveries_list_event import TenantsWebhookDeliveriesListEvent
from .tenants_webhook_deliveries_list_status import TenantsWebhookDeliveriesListStatus
from .type_enum import TypeEnum
from .user_summary import UserSummary
from .verify import Verify
from .verify_first_broken_type_0 import VerifyFirstBrokenType0
from .version import Version
from .webhook import Webhook
from .webhook_created import WebhookCreated
from .webhook_write_request import WebhookWriteRequest

__all__ = (
    "Access",
    "AccessRequest",
    "ActionEnum",
    "ActorField",
    "ApiKey",
    "ApiKeyCreated",
    "ApiKeyCreateRequest",
    "AuditEvent",
    "AuditEventChanges",
    "Change",
    "Delivery",
    "DeliveryStatusEnum",
    "Digest",
    "DigestChanges",
    "DigestDetail",
    "DigestImportFilesRequest",
    "DigestImportReport",
    "DigestSource",
    "DigestStatusEnum",
    "DigestWriteRequest",
    "EventsEnum",
    "Finding",
    "ImportOutcomeEnum",
    "ImportResult",
    "Me",
    "Member",
    "MemberInviteRequest",
    "MeMembership",
    "MeRole",
    "MeTenant",
    "OutcomeEnum",
    "PaginatedApiKeyList",
    "PaginatedAuditEventList",
    "PaginatedDeliveryList",
    "PaginatedDigestList",
    "PaginatedMemberList",
    "PaginatedPolicyList",
    "PaginatedRoleList",
    "PaginatedWebhookList",
    "PatchedDigestWriteRequest",
    "PatchedMemberUpdateRequest",
    "PatchedPolicyUpdateRequest",
    "PatchedRoleUpdateRequest",
    "PatchedWebhookWriteRequest",
    "PermissionEntry",
    "Policy",
    "PolicyCreateRequest",
    "PolicyDecision",
    "Problem",
    "ProblemErrorsItem",
    "PublishRequest",
    "RequestField",
    "Role",
    "RoleWriteRequest",
    "RollbackRequest",
    "Section",
    "SectionRequest",
    "SimulateRequest",
    "Simulation",
    "SimulationAfter",
    "SimulationBefore",
    "SimulationChangesItem",
    "SourceRequest",
    "Subsection",
    "SubsectionRequest",
    "TargetField",
    "TenantsAuditEventsExportRetrieveExportFormat",
    "TenantsAuditEventsListOutcome",
    "TenantsDigestsExportExportFormat",
    "TenantsDigestsExportOneExportFormat",
    "TenantsDigestsListOrdering",
    "TenantsDigestsListStatus",
    "TenantsWebhookDeliveriesListEvent",
    "TenantsWebhookDeliveriesListStatus",
    "TypeEnum",
    "UserSummary",
    "Verify",
    "VerifyFirstBrokenType0",
    "Version",
    "Webhook",
    "WebhookCreated",
    "WebhookWriteRequest",
)
