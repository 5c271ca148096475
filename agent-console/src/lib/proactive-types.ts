// The admin REST types of proactive messages as PROACTIVE-CONTRACT.md fixes them; replaced by
// the protocol's own once the server side lands there.
export type ProactiveTrigger = 'page' | 'returning' | 'attribute';

export interface ApiProactiveRuleInput {
  name: string;
  text: string;
  department: string | null;
  trigger: ProactiveTrigger;
  urlPattern: string | null;
  seconds: number;
  attribute: string | null;
  value: string | null;
  enabled: boolean;
}

export interface ApiProactiveRule extends ApiProactiveRuleInput {
  id: string;
  createdAt: number;
}
