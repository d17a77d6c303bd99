/** Questions a run asks a person (a playbook `ask` step, or the agent's steward.ask tool) and their answers. */

export const QUESTION_STATUSES = ['pending', 'answered', 'expired', 'cancelled'] as const;
export type QuestionStatus = (typeof QUESTION_STATUSES)[number];

export interface QuestionRow {
  id: string;
  run_id: string;
  step_key: string;
  question: string;
  /** JSON Schema (draft 2020-12) the answer must satisfy. */
  answer_schema: Record<string, unknown>;
  /** Who may answer: names or roles (a role admits that role and higher); null: the run's requester or any operator+. */
  answer_from: string[] | null;
  /** The run's requester. */
  asked_by: string;
  status: QuestionStatus;
  answer: unknown;
  answered_by: string | null;
  answered_at: Date | null;
  created_at: Date;
  expires_at: Date;
}

export interface NewQuestion {
  runId: string;
  stepKey: string;
  question: string;
  schema: Record<string, unknown>;
  from?: string[];
  askedBy: string;
  expiresAt: Date;
}

/** The in-process bus topic a question that stopped waiting (answered, expired) is published on: its run resumes. */
export const QUESTION_SETTLED = 'question.settled';

/** The answer schema used when an asker gives none: free text. */
export const TEXT_ANSWER = { type: 'string', minLength: 1 } as const;
