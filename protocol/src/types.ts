/**
 * Wire types, derived from the schemas (one source of truth).
 * Type-only: importing this module adds nothing to a bundle.
 */
import type { Static } from '@sinclair/typebox';
import type * as S from './schemas.js';

export type AuthorKind = Static<typeof S.AuthorKind>;
export type Author = Static<typeof S.Author>;
export type SystemEventKind = Static<typeof S.SystemEventKind>;
export type SystemEvent = Static<typeof S.SystemEvent>;
export type Message = Static<typeof S.Message>;
export type AttachmentType = Static<typeof S.AttachmentType>;
export type Attachment = Static<typeof S.Attachment>;
export type AttachmentUpload = Static<typeof S.AttachmentUpload>;
export type Note = Static<typeof S.Note>;
export type ConversationStatus = Static<typeof S.ConversationStatus>;
export type VisitorInfo = Static<typeof S.VisitorInfo>;
export type LastMessage = Static<typeof S.LastMessage>;
export type ConversationSummary = Static<typeof S.ConversationSummary>;
export type AgentStatus = Static<typeof S.AgentStatus>;
export type AgentRole = Static<typeof S.AgentRole>;
export type AgentInfo = Static<typeof S.AgentInfo>;
export type BusinessHours = Static<typeof S.BusinessHours>;
export type SiteConfig = Static<typeof S.SiteConfig>;
export type PublicProactiveRule = Static<typeof S.PublicProactiveRule>;

// client → server
export type HelloFrame = Static<typeof S.HelloFrame>;
export type VisitorSendFrame = Static<typeof S.VisitorSendFrame>;
export type TypingFrame = Static<typeof S.TypingFrame>;
export type ReadFrame = Static<typeof S.ReadFrame>;
export type ProfileFrame = Static<typeof S.ProfileFrame>;
export type PingFrame = Static<typeof S.PingFrame>;
export type PageFrame = Static<typeof S.PageFrame>;
export type PageView = Static<typeof S.PageView>;
export type VisitContext = Static<typeof S.VisitContext>;
export type RateFrame = Static<typeof S.RateFrame>;
export type AgentSendFrame = Static<typeof S.AgentSendFrame>;
export type AgentNoteFrame = Static<typeof S.AgentNoteFrame>;
export type ClaimFrame = Static<typeof S.ClaimFrame>;
export type TransferFrame = Static<typeof S.TransferFrame>;
export type CloseFrame = Static<typeof S.CloseFrame>;
export type OpenFrame = Static<typeof S.OpenFrame>;
export type HistoryRequestFrame = Static<typeof S.HistoryRequestFrame>;
export type StatusFrame = Static<typeof S.StatusFrame>;
export type AgentTypingFrame = Static<typeof S.AgentTypingFrame>;
export type VisitorClientFrame = Static<typeof S.VisitorClientFrame>;
export type AgentClientFrame = Static<typeof S.AgentClientFrame>;

// server → client
export type VisitorWelcomeFrame = Static<typeof S.VisitorWelcomeFrame>;
export type AgentWelcomeFrame = Static<typeof S.AgentWelcomeFrame>;
export type HistoryFrame = Static<typeof S.HistoryFrame>;
export type SyncedFrame = Static<typeof S.SyncedFrame>;
export type MessageFrame = Static<typeof S.MessageFrame>;
export type NoteFrame = Static<typeof S.NoteFrame>;
export type AckFrame = Static<typeof S.AckFrame>;
export type ErrorFrame = Static<typeof S.ErrorFrame>;
export type ConversationFrame = Static<typeof S.ConversationFrame>;
export type ServerTypingFrame = Static<typeof S.ServerTypingFrame>;
export type ServerReadFrame = Static<typeof S.ServerReadFrame>;
export type PresenceFrame = Static<typeof S.PresenceFrame>;
export type VisitorPresenceFrame = Static<typeof S.VisitorPresenceFrame>;
export type VisitFrame = Static<typeof S.VisitFrame>;
export type PongFrame = Static<typeof S.PongFrame>;
export type SiteFrame = Static<typeof S.SiteFrame>;
export type ServerFrame = Static<typeof S.ServerFrame>;

// REST
export type VisitorUser = Static<typeof S.VisitorUser>;
export type VisitorSessionRequest = Static<typeof S.VisitorSessionRequest>;
export type VisitorSessionResponse = Static<typeof S.VisitorSessionResponse>;
export type VisitorTranscriptEmailRequest = Static<typeof S.VisitorTranscriptEmailRequest>;
export type LoginRequest = Static<typeof S.LoginRequest>;
export type LoginResponse = Static<typeof S.LoginResponse>;
export type NotifyRequest = Static<typeof S.NotifyRequest>;
export type NotifyResponse = Static<typeof S.NotifyResponse>;
export type SiteSettingsRequest = Static<typeof S.SiteSettingsRequest>;
export type HttpError = Static<typeof S.HttpError>;

// administration
export type AdminSite = Static<typeof S.AdminSite>;
export type AdminSitePatch = Static<typeof S.AdminSitePatch>;
export type SiteSecretResponse = Static<typeof S.SiteSecretResponse>;
export type AdminAgent = Static<typeof S.AdminAgent>;
export type CreateAgentRequest = Static<typeof S.CreateAgentRequest>;
export type CreateAgentResponse = Static<typeof S.CreateAgentResponse>;
export type PasswordResetRequest = Static<typeof S.PasswordResetRequest>;
export type PasswordResetConfirm = Static<typeof S.PasswordResetConfirm>;
export type AgentPatchRequest = Static<typeof S.AgentPatchRequest>;
export type InvitationInfo = Static<typeof S.InvitationInfo>;
export type AcceptInvitationRequest = Static<typeof S.AcceptInvitationRequest>;
export type ProfilePatchRequest = Static<typeof S.ProfilePatchRequest>;
export type PasswordChangeRequest = Static<typeof S.PasswordChangeRequest>;
export type SwitchSiteRequest = Static<typeof S.SwitchSiteRequest>;
export type SetupStatus = Static<typeof S.SetupStatus>;
export type SetupRequest = Static<typeof S.SetupRequest>;
export type SetupResponse = Static<typeof S.SetupResponse>;
export type SiteMembership = LoginResponse['sites'][number];

// webhooks
export type WebhookEventType = Static<typeof S.WebhookEventType>;
export type WebhookConversation = Static<typeof S.WebhookConversation>;
export type WebhookBody = Static<typeof S.WebhookBody>;
export type WebhookCreateRequest = Static<typeof S.WebhookCreateRequest>;
export type WebhookCreateResponse = Static<typeof S.WebhookCreateResponse>;
export type WebhookInfo = Static<typeof S.WebhookInfo>;
export type DeliveryInfo = Static<typeof S.DeliveryInfo>;

// Blocked visitors
export type ApiBlock = Static<typeof S.ApiBlock>;
export type ApiBlockRequest = Static<typeof S.ApiBlockRequest>;

// Canned responses
export type ApiCanned = Static<typeof S.ApiCanned>;
export type ApiCannedCreate = Static<typeof S.ApiCannedCreate>;
export type ApiCannedUpdate = Static<typeof S.ApiCannedUpdate>;

// API keys, notify v1
export type ApiKeyCreateRequest = Static<typeof S.ApiKeyCreateRequest>;
export type ApiKeyInfo = Static<typeof S.ApiKeyInfo>;
export type ApiKeyCreated = Static<typeof S.ApiKeyCreated>;
export type NotifyV1Request = Static<typeof S.NotifyV1Request>;
export type NotifyV1Response = Static<typeof S.NotifyV1Response>;

// REST API v1
export type ApiConversation = Static<typeof S.ApiConversation>;
export type ApiConversationPage = Static<typeof S.ApiConversationPage>;
export type SnippetPart = Static<typeof S.SnippetPart>;
export type ApiSearchHit = Static<typeof S.ApiSearchHit>;
export type ApiSearchPage = Static<typeof S.ApiSearchPage>;
export type ApiMessagePage = Static<typeof S.ApiMessagePage>;
export type ApiVisitor = Static<typeof S.ApiVisitor>;
export type ApiVisitorContext = Static<typeof S.ApiVisitorContext>;
export type ApiVisitorExport = Static<typeof S.ApiVisitorExport>;
export type ApiVisitorDeleted = Static<typeof S.ApiVisitorDeleted>;
export type ApiAuditPage = Static<typeof S.ApiAuditPage>;
export type ApiAgent = Static<typeof S.ApiAgent>;
export type ApiTranscript = Static<typeof S.ApiTranscript>;
export type AssignmentMode = Static<typeof S.AssignmentMode>;
export type ApiSendRequest = Static<typeof S.ApiSendRequest>;
export type ApiSendResponse = Static<typeof S.ApiSendResponse>;
export type ApiAssignRequest = Static<typeof S.ApiAssignRequest>;
export type ApiReport = Static<typeof S.ApiReport>;
export type ApiProactiveRule = Static<typeof S.ApiProactiveRule>;
export type ApiProactiveRuleCreate = Static<typeof S.ApiProactiveRuleCreate>;
export type ApiProactiveRuleUpdate = Static<typeof S.ApiProactiveRuleUpdate>;
export type PublicProactiveRules = Static<typeof S.PublicProactiveRules>;
