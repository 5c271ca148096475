/**
 * Sites: a cache of site rows (sites change rarely and are never deleted in this version),
 * the `SiteConfig` clients see, admin settings, and the business-hours poller that pushes
 * `open` when a site's hours start or end.
 */
import {
  type BusinessHours,
  ErrorCode,
  type SiteConfig,
  type SiteSettingsRequest,
  WIDGET_LOCALES,
} from '@switchboard/protocol';
import { sbError } from '../errors.js';
import type { Hub } from '../hub.js';
import type { Presence } from '../presence.js';
import { businessHoursProblem, isOpenAt, Topic } from '../routing/index.js';
import type { SitePatch, SiteRecord, Storage } from '../storage/types.js';
import { formatHours } from './hours-text.js';

/** The hours' lines in every widget locale, the zone last (formatted once per site change). */
const hoursCache = new WeakMap<object, Record<string, string[]>>();
function hoursText(hours: BusinessHours): Record<string, string[]> {
  let text = hoursCache.get(hours);
  if (!text) {
    text = Object.fromEntries(WIDGET_LOCALES.map((l) => [l, formatHours(hours, l)]));
    hoursCache.set(hours, text);
  }
  return text;
}

export class Sites {
  private readonly cache = new Map<string, SiteRecord>();
  /** Whether each site was inside its business hours at the last `publishOpeningChanges`. */
  private readonly lastOpen = new Map<string, boolean>();

  constructor(
    private readonly storage: Storage,
    private readonly presence: Presence,
    private readonly hub: Hub,
    /** The server sends mail (the widget may offer a transcript by email). */
    private readonly mail = false,
  ) {}

  async get(id: string): Promise<SiteRecord | null> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const s = await this.storage.getSite(id);
    if (s) this.cache.set(id, s);
    return s;
  }

  async config(siteOrId: SiteRecord | string): Promise<SiteConfig> {
    const site = typeof siteOrId === 'string' ? await this.get(siteOrId) : siteOrId;
    if (!site) throw sbError(ErrorCode.UnknownSite, 'No such site');
    const hours = site.businessHours ?? null;
    return {
      id: site.id,
      name: site.name,
      color: site.color,
      title: site.title,
      greeting: site.greeting,
      departments: site.departments,
      agentsOnline: this.presence.agentsOnline(site.id),
      businessHours: hours,
      open: isOpenAt(hours, new Date()),
      ...(hours && { hoursText: hoursText(hours) }),
      mail: this.mail,
    };
  }

  /**
   * Business hours started or ended since the last check: push the new `open` to the
   * site's connected visitors and agents (`site` frame). Called periodically; only sites
   * in the cache (those with connected clients) are checked, and the first check of a site
   * only records its state.
   */
  async publishOpeningChanges(now: Date = new Date()): Promise<void> {
    for (const site of this.cache.values()) {
      if (!site.businessHours) continue;
      const open = isOpenAt(site.businessHours, now);
      const before = this.lastOpen.get(site.id);
      this.lastOpen.set(site.id, open);
      if (before === undefined || before === open) continue;
      const config = { ...(await this.config(site)), open };
      this.hub.publish([Topic.siteVisitors(site.id), Topic.siteAgents(site.id)], {
        type: 'site',
        site: config,
      });
    }
  }

  /**
   * An admin changed the site's settings: store them, refresh the cache, and push the new
   * `SiteConfig` to every connected visitor and agent of the site (`site` frame).
   */
  /** Told after this node changed a site (other nodes then refresh their cache). */
  onChanged: ((siteId: string) => void) | null = null;

  /** Another node changed a site: read it again if we keep it. */
  async refresh(siteId: string): Promise<void> {
    if (!this.cache.has(siteId)) return;
    const s = await this.storage.getSite(siteId);
    if (s) this.cache.set(siteId, s);
    else this.cache.delete(siteId);
  }

  /** The sites this node has clients of (kept in the cache). */
  cachedIds(): string[] {
    return [...this.cache.keys()];
  }

  /** Every cached site, read again (an administration change somewhere). */
  async refreshAll(): Promise<void> {
    await Promise.all([...this.cache.keys()].map((id) => this.refresh(id)));
  }

  async updateSettings(siteId: string, body: SiteSettingsRequest): Promise<SiteConfig> {
    const site = await this.storage.updateSite(siteId, settingsPatch(body));
    if (!site) throw sbError(ErrorCode.UnknownSite, 'No such site');
    return this.changed(site);
  }

  /** A site row changed here: cache it, tell the other nodes, push the new config to its clients. */
  async changed(site: SiteRecord): Promise<SiteConfig> {
    this.cache.set(site.id, site);
    this.onChanged?.(site.id);
    const config = await this.config(site);
    this.hub.publish([Topic.siteVisitors(site.id), Topic.siteAgents(site.id)], {
      type: 'site',
      site: config,
    });
    return config;
  }
}

/** The widget settings of a settings body, validated (throws SB_ERR_VALIDATION). */
export function settingsPatch(body: SiteSettingsRequest): SitePatch {
  {
    const patch: SitePatch = {};
    if (body.color !== undefined) patch.color = body.color;
    if (body.title !== undefined) {
      patch.title = body.title.trim();
      if (patch.title === '') throw sbError(ErrorCode.Validation, 'title: must not be blank');
    }
    if (body.greeting !== undefined) patch.greeting = body.greeting;
    if (body.departments !== undefined) {
      const departments = body.departments.map((d) => d.trim());
      if (departments.some((d) => d === '') || new Set(departments).size !== departments.length) {
        throw sbError(ErrorCode.Validation, 'departments: names must be non-empty and unique');
      }
      patch.departments = departments;
    }
    if (body.businessHours) {
      const problem = businessHoursProblem(body.businessHours);
      if (problem) throw sbError(ErrorCode.Validation, problem);
    }
    if (body.businessHours !== undefined) patch.businessHours = body.businessHours;
    return patch;
  }
}
