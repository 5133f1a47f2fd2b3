/**
 * @module The words of the `system` messages the broker writes about questions. They wake an
 * agent whose claude has none of the question's context left, so each one repeats the question
 * and its id; an expiry starts with `[expired]` (SPEC §8) so a prompt or a test can tell.
 */
import type { OpenQuestion } from "./broker.ts";

type QuestionText = Pick<OpenQuestion, "id" | "question">;

function quoted(question: QuestionText): string {
  return `#${question.id} ("${question.question}")`;
}

/** To the asker: the answer arrived. */
export function questionAnswered(
  question: QuestionText,
  answer: string,
  by: string,
): string {
  return `Answer from ${by} to your question ${quoted(question)}: ${answer}`;
}

/** To the asker: nobody answered before the deadline. */
export function questionExpired(question: QuestionText): string {
  return `[expired] Your question ${
    quoted(question)
  } got no answer before its deadline`;
}

/** To the other party: the question was withdrawn or declined. */
export function questionCancelled(question: QuestionText, by: string): string {
  return `[cancelled] Question ${quoted(question)} was cancelled by ${by}`;
}

/** To an agent a question was asked of: what it is and how to answer. */
export function questionForTarget(question: OpenQuestion): string {
  const choices = question.options.length > 0
    ? ` Options: ${question.options.join(" | ")}${
      question.multi ? " (pick one or more)" : " (pick one)"
    }.`
    : "";
  return `Question #${question.id} from ${question.asker}: ${question.question}.${choices} ` +
    `Answer with the answer tool (id ${question.id}).`;
}
