// What every step screen receives: the wizard state, the reducer's dispatch and the backend commands.
import type { Commands, Dispatch } from "../wizard/commands";
import type { Wizard } from "../wizard/model";

export interface StepProps {
  wizard: Wizard;
  dispatch: Dispatch;
  commands: Commands;
  /** The id the step's h1 carries; the panel is labelled by it and focus moves to it. */
  titleId: string;
}
